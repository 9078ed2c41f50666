"""Plumbing every layer may use: extensions, the database engine, errors, security, logs, assets."""
