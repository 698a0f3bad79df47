"""Reference values for FaceRep.Core.Statistics, written by Debian's python3-scipy.

Run once with /usr/bin/python3 (Debian 12: scipy 1.10.1) from this directory; the suite reads
scipy_reference.json and never needs Python:

    /usr/bin/python3 make_scipy_reference.py
"""
import json
import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20261205)
reference = {"scipy": scipy.__version__, "t": [], "paired": [], "wilcoxon_exact": [], "wilcoxon_normal": []}

# Student's t distribution: distribution function, two-sided tail and quantiles.
for df in (1, 2, 3, 4.5, 7, 19, 30, 120, 1e4):
    for t in (-6.0, -2.5, -0.3, 0.0, 0.7, 1.96, 3.1, 12.0):
        reference["t"].append({"t": t, "df": df, "cdf": stats.t.cdf(t, df), "two_sided": 2 * stats.t.sf(abs(t), df)})
    for p in (0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.9995):
        reference["t"].append({"p": p, "df": df, "quantile": stats.t.ppf(p, df)})

# Paired t-tests, as results compare runs them: seeds of two sources in one cell.
for n in (3, 5, 8, 12, 30):
    for shift in (0.0, 0.2, 1.0):
        a = rng.normal(0.3, 0.05, n)
        b = a + rng.normal(shift * 0.05, 0.05, n)
        result = stats.ttest_rel(a, b)
        reference["paired"].append({"a": a.tolist(), "b": b.tolist(), "t": result.statistic, "p": result.pvalue})

# Wilcoxon signed-rank, exact (no ties, no zeros: where scipy's exact distribution applies).
for n in (5, 8, 11, 15, 20):
    for shift in (0.0, 0.5, 1.5):
        d = rng.normal(shift, 1.0, n)
        result = stats.wilcoxon(d, method="exact")
        reference["wilcoxon_exact"].append({"d": d.tolist(), "statistic": result.statistic, "p": result.pvalue})

# Wilcoxon, normal approximation with tie correction, zeros dropped, no continuity correction.
for n in (25, 40, 60):
    for shift in (0.0, 0.3):
        d = np.round(rng.normal(shift, 1.0, n), 1)  # rounding makes ties
        d[:2] = 0.0  # and zeros, which are dropped
        result = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
        reference["wilcoxon_normal"].append({"d": d.tolist(), "statistic": result.statistic, "p": result.pvalue})

with open("scipy_reference.json", "w") as f:
    json.dump(reference, f, indent=1)
print(f"wrote scipy_reference.json with scipy {scipy.__version__}")
