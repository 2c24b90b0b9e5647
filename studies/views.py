from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def worklist(request):
    return render(request, "studies/worklist.html", {})
