"""The engine: definitions, storages, plan, archive. It never prints."""
