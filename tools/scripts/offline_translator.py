#!/usr/bin/env python3
"""Word-by-word translation from English with a tiny built-in dictionary (fr, es, de); no network."""
import json
import re
import sys

WORDS = {
    "fr": {"hello": "bonjour", "world": "monde", "good": "bon", "morning": "matin", "thank": "merci", "you": "vous",
           "the": "le", "cat": "chat", "dog": "chien", "is": "est", "house": "maison", "red": "rouge", "and": "et",
           "i": "je", "love": "aime", "code": "code", "friend": "ami", "water": "eau", "yes": "oui", "no": "non"},
    "es": {"hello": "hola", "world": "mundo", "good": "buen", "morning": "día", "thank": "gracias", "you": "tú",
           "the": "el", "cat": "gato", "dog": "perro", "is": "es", "house": "casa", "red": "rojo", "and": "y"},
    "de": {"hello": "hallo", "world": "Welt", "good": "guten", "morning": "Morgen", "thank": "danke", "you": "du",
           "the": "die", "cat": "Katze", "dog": "Hund", "is": "ist", "house": "Haus", "red": "rot", "and": "und"},
}
request = json.load(sys.stdin)
text = str(request.get("text", ""))
target = str(request.get("target", "fr")).lower()
if target not in WORDS:
    print(f"UnsupportedLanguageError: no dictionary for '{target}' (have {', '.join(sorted(WORDS))})", file=sys.stderr)
    sys.exit(2)
unknown = []
def translate(match):
    word = match.group(0)
    out = WORDS[target].get(word.lower())
    if out is None:
        unknown.append(word)
        return word
    return out.capitalize() if word[0].isupper() else out
print(json.dumps({"translator": "offline_translator", "source": request.get("source", "en"), "target": target,
                  "translation": re.sub(r"[A-Za-z]+", translate, text), "unknown_words": unknown}, ensure_ascii=False))
