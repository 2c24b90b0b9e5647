"""Who is asking and what they may do: roles, logins and their throttling, sessions, the
user kept per process, the Avara user an account acts as, and the accounts page's form.

Below the reads and the services (both ask it who the actor is), above the audit (a
login's failure and an account's change are audited) and the shared store.
"""
