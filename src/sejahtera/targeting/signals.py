"""What targeting tells the apps that build on it (they subscribe; targeting imports none)."""

from django.dispatch import Signal

# A run that is not a simulation completed: it is the current run now. Sent with ``run``.
run_completed = Signal()
