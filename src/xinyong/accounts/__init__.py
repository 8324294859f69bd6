"""Accounts (账户): users and roles, console sessions with CSRF, API keys, the access log (查询留痕)."""
