"""The model variants every engine test sweeps over: (name, keywords, expected class)."""

import andersonwl as aw

VARIANTS = [
    ("spinless", dict(), "AI"),
    ("spin-degenerate", dict(spinful=True), "AI"),
    ("flux", dict(flux=0.02), "A"),
    ("rashba", dict(rashba=0.6), "AII"),
    ("rashba+flux", dict(rashba=0.6, flux=0.02), "A"),
    ("su2", dict(spin_orbit="su2"), "AII"),
    ("exchange", dict(exchange=0.8), "A"),
    ("su2+exchange", dict(spin_orbit="su2", exchange=0.8), "A"),
    ("gaussian", dict(disorder_kind="gaussian"), "AI"),
    # spin along b is conserved: each spin sector is orthogonal at its own shifted energy
    ("zeeman", dict(zeeman=(0.1, 0.2, 0.3)), "AI"),
    ("rashba+zeeman", dict(rashba=0.6, zeeman=(0.0, 0.0, 0.3)), "A"),
    ("rashba, normal leads", dict(rashba=0.6, leads="normal"), "AII"),
]
IDS = [v[0] for v in VARIANTS]
#: models whose only randomness is the Anderson disorder: the clean limit is ballistic
#: (normal leads on a Rashba sample scatter at the interfaces: not ballistic either)
CLEANABLE = [v for v in VARIANTS if v[0] not in ("su2", "exchange", "su2+exchange",
                                                 "rashba, normal leads")]
#: magnetic impurities and a Zeeman field are odd under time reversal: Onsager relates
#: g(B, J, b) to g(-B, -J, -b), so g(flux) = g(-flux) is not owed by those models
ONSAGER = [v for v in VARIANTS if "exchange" not in v[0] and "zeeman" not in v[0]]


def model(kw, **extra):
    """A 12 x 7 strip at E = 0.7, W = 2 with the variant's keywords."""
    return aw.StripModel(**{**dict(length=12, width=7, energy=0.7, disorder=2.0), **kw, **extra})
