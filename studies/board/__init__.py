"""The supervisor's board: who has what (`workload`), a balanced plan of moves under each
reader's cap (`balance`), the caps themselves (`caps`) and turnaround at a glance
(`turnaround`). Reads only, from what is shared: the queue snapshot, the users
directory, the dashboard's own audit. Moves are applied by studies/services/bulk.py.
"""
