"""Runtime gateways: PostgreSQL wire, HTTP(S) and MCP.  Each judges what passes through it with
the same analysis, policy, approvals and snapshots as the agent hooks (one module per protocol)."""
