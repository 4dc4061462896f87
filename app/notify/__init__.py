"""Messages to people outside the app: email through SMTP when one is configured."""
