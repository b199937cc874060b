"""Bearer-token authentication: principals with a role and, for offices, a region scope.

Tokens look like ``mt_<token_id>_<secret>``. Only a SHA-256 of the secret is stored (the
secret has 256 bits of entropy, so a fast hash is enough); ``token_id`` is public and names the
token in lists, logs and revocations. A bootstrap admin token comes from MATCHER_ADMIN_TOKEN.
"""
