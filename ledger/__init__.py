"""The policy-communication budget ledger: domain, services, reports and CLI (no Streamlit here)."""
