"""The demo: a local fixture outlet (generated Arabic site + media) served on loopback."""
