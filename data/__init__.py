"""Our own default corpus (`sentences.txt`) and fine-tuning corpus (`questions.txt`), read
with importlib.resources so that they are found in a checkout and in an installed wheel
alike, and the script that makes them."""
