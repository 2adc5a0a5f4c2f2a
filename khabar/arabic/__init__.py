"""khabar's Arabic text toolkit: normalize, tokenize, stem, stopwords.

Pure Python with no Django import, so it can be used and tested on its own.
"""

from .normalize import normalize
from .tokenize import Token, tokenize

__all__ = ["Token", "normalize", "tokenize"]
