"""Confirmation letters: download your own, and the public check of a letter's reference."""
