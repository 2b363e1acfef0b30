"""What the registry tells the apps that build on it (they subscribe; the registry imports none)."""

from django.dispatch import Signal

# Households whose village changed, by an edit or an import: the records that copy their
# household's region (to be limited by it without a join) follow. Sent with ``household_ids``.
households_moved = Signal()
