"""The scopes an API token can carry and how long it may live: the one list behind the account
page, the admin and the command line (which must know them before Django is set up, hence no
Django import here)."""

REGISTRY_READ = "registry:read"
REGISTRY_WRITE = "registry:write"
IMPORTS = "imports"
TARGETING = "targeting"
CASES = "cases"
DELIVERY = "delivery"

ALL = (REGISTRY_READ, REGISTRY_WRITE, IMPORTS, TARGETING, CASES, DELIVERY)

# Every token expires: a secret copied into another system's configuration outlives the
# reason it was made for, and a forgotten one should stop on its own.
LIFETIME_DAYS = (30, 90, 180, 365)
DEFAULT_LIFETIME_DAYS = 90
