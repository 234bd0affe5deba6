"""How we contact you: SMS to a confirmed number, a letter, or through the attorney."""
