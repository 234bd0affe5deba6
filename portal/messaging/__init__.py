"""Adapters to the outside: SMS senders and letter (PDF) rendering."""
