"""Blueprints, one package per audience: public, attorney, staff, webhooks."""
