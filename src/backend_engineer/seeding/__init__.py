"""Realistic tenant-scoped seed data from datamodel.yaml, respecting its constraints."""
