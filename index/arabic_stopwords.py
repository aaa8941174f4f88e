"""Lucene's default Arabic stop words, as used by Elasticsearch's ``arabic`` analyzer.

Copied from Lucene's ``org/apache/lucene/analysis/ar/stopwords.txt`` (created by Jacques Savoy,
BSD licence: http://members.unine.ch/jacques.savoy/clef/index.html). The list is NOT
normalised: it is matched after lowercasing and before Arabic normalisation, so it holds
redundant forms (أ and ا). Change it only together with the Elasticsearch analyzer, or the two
backends stop agreeing.
"""

STOPWORDS: frozenset[str] = frozenset([
    "من", "ومن", "منها", "منه", "في", "وفي", "فيها", "فيه", "و", "ف",
    "ثم", "او", "أو", "ب", "بها", "به", "ا", "أ", "اى", "اي",
    "أي", "أى", "لا", "ولا", "الا", "ألا", "إلا", "لكن", "ما", "وما",
    "كما", "فما", "عن", "مع", "اذا", "إذا", "ان", "أن", "إن", "انها",
    "أنها", "إنها", "انه", "أنه", "إنه", "بان", "بأن", "فان", "فأن", "وان",
    "وأن", "وإن", "التى", "التي", "الذى", "الذي", "الذين", "الى", "الي", "إلى",
    "إلي", "على", "عليها", "عليه", "اما", "أما", "إما", "ايضا", "أيضا", "كل",
    "وكل", "لم", "ولم", "لن", "ولن", "هى", "هي", "هو", "وهى", "وهي",
    "وهو", "فهى", "فهي", "فهو", "انت", "أنت", "لك", "لها", "له", "هذه",
    "هذا", "تلك", "ذلك", "هناك", "كانت", "كان", "يكون", "تكون", "وكانت", "وكان",
    "غير", "بعض", "قد", "نحو", "بين", "بينما", "منذ", "ضمن", "حيث", "الان",
    "الآن", "خلال", "بعد", "قبل", "حتى", "عند", "عندما", "لدى", "جميع",
])
