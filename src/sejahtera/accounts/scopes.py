"""The scopes an API token can carry: the one list behind the account page, the admin and the
command line (which must know them before Django is set up, hence no Django import here)."""

REGISTRY_READ = "registry:read"
REGISTRY_WRITE = "registry:write"
IMPORTS = "imports"
TARGETING = "targeting"
CASES = "cases"
DELIVERY = "delivery"

ALL = (REGISTRY_READ, REGISTRY_WRITE, IMPORTS, TARGETING, CASES, DELIVERY)
