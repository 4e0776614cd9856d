"""Our own default corpus (`sentences.txt`, read with importlib.resources so that it is
found in a checkout and in an installed wheel alike) and the script that makes it."""
