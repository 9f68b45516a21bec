"""Where the contract's endpoint lives."""

# The documented base path of every endpoint (https://www.genviral.io/api/partner/v1).
BASE_PATH = "/api/partner/v1"
