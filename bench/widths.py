"""The width cliff's part of the report (issue 19): each power-of-two width against its
neighbour 8 narrower and against NumPy, and the (1024,) fit against the (1000,) one.

The targets live in bench/targets.py with the others.
"""

from bench.groups import split_by_workload
from bench.targets import WIDTH_FIT_VS_NEIGHBOUR as FIT_VS_NEIGHBOUR
from bench.targets import WIDTH_VS_NEIGHBOUR as VS_NEIGHBOUR
from bench.targets import WIDTH_VS_NUMPY as VS_NUMPY


def split(groups):
    """(width groups, the other groups)"""
    return split_by_workload(groups, "width")


def _products(groups):
    """{(dtype, batch, layer, width): {"power": power, system: GFLOP/s}} of the product
    entries: each times its power of two and the neighbour, bendernet's and NumPy's,
    interleaved (bench/test_widths.py), and holds each kernel's median in ``kernels``"""
    products = {}
    for entries in groups.values():
        for entry in entries.values():
            for kernel in entry.get("kernels", []):
                key = (entry["dtype"], entry["batch"], entry["layer"], kernel["width"])
                products.setdefault(key, {"power": entry["power"]})[kernel["system"]] = \
                    kernel["gflops"]
    return products


def product(batch, layer, width):
    """The product as the tables name it: 128x784 · 784x1024"""
    k = 784 if layer == "input" else width
    return f"{batch}x{k} · {k}x{width}"


def vs_numpy(groups):
    """[(bendernet's speed over NumPy's, the product's name, its entry)] of every width
    product"""
    ratios = []
    for entries in groups.values():
        for entry in entries.values():
            rates = {(kernel["system"], kernel["width"]): kernel["gflops"]
                     for kernel in entry.get("kernels", [])}
            for width in sorted({width for _, width in rates}):
                mine, numpy = rates.get(("bendernet", width)), rates.get(("numpy", width))
                if mine and numpy:
                    name = (f"width {entry['layer']} "
                            f"{product(entry['batch'], entry['layer'], width)} {entry['dtype']}")
                    ratios.append((mine / numpy, name, entry))
    return ratios


def _fits(groups):
    """{(dtype, hidden): GFLOP/s} of the fit entries"""
    return {(entry["dtype"], entry["hidden"]): entry["gflops"]
            for entries in groups.values() for entry in entries.values()
            if "hidden" in entry and "gflops" in entry}


def _status(value, target):
    return "met" if value >= target else "**not met**"


def product_rows(groups):
    """One row per power-of-two width: the neighbour's and its own GFLOP/s, and the ratios"""
    products, rows = _products(groups), []
    order = sorted(products.items(), key=lambda item: (item[0][0], item[0][1],
                                                       item[0][2] != "input", item[0][3]))
    for (dtype, batch, layer, width), rates in order:
        if width != rates["power"]:
            continue
        neighbour = products.get((dtype, batch, layer, width - 8), {})
        mine, numpy = rates.get("bendernet"), rates.get("numpy")
        if not (mine and numpy and neighbour.get("bendernet") and neighbour.get("numpy")):
            continue
        rows.append([dtype, product(batch, layer, width), f"{neighbour['bendernet']:.3g}",
                     f"{mine:.3g}", f"{mine / neighbour['bendernet']:.2f}×",
                     f"{neighbour['bendernet'] / neighbour['numpy']:.2f}×",
                     f"{mine / numpy:.2f}×"])
    return rows


def worst(groups):
    """(lowest bendernet/NumPy ratio over all widths, lowest power-of-two/neighbour ratio),
    None where there is nothing to compare"""
    products = _products(groups)
    lowest = [ratio for ratio, _, _ in vs_numpy(groups)]
    vs_neighbour = [rates["bendernet"] / products[(dtype, batch, layer, width - 8)]["bendernet"]
                    for (dtype, batch, layer, width), rates in products.items()
                    if width == rates["power"] and rates.get("bendernet")
                    and products.get((dtype, batch, layer, width - 8), {}).get("bendernet")]
    return min(lowest, default=None), min(vs_neighbour, default=None)


def fit_rows(groups):
    fits, rows = _fits(groups), []
    for dtype in sorted({dtype for dtype, _ in fits}):
        narrow, wide = fits.get((dtype, 1000)), fits.get((dtype, 1024))
        if narrow and wide:
            rows.append([dtype, f"{narrow:.3g}", f"{wide:.3g}", f"{wide / narrow:.2f}×",
                         _status(wide / narrow, FIT_VS_NEIGHBOUR)])
    return rows


def target_rows(groups):
    """Rows for the report's targets table: [workload, target, measured, status]"""
    rows = []
    lowest, vs_neighbour = worst(groups)
    if lowest is not None:
        rows.append(["width products", f"ops.matmul ≥ {VS_NUMPY:g}× NumPy at every width",
                     f"lowest {lowest:.2f}×", _status(lowest, VS_NUMPY)])
    if vs_neighbour is not None:
        rows.append(["width products",
                     f"powers of two ≥ {VS_NEIGHBOUR:g}× their neighbour (h − 8)",
                     f"lowest {vs_neighbour:.2f}×", _status(vs_neighbour, VS_NEIGHBOUR)])
    for dtype, _, _, ratio, status in fit_rows(groups):
        rows.append([f"width fit {dtype}", f"(1024,) ≥ {FIT_VS_NEIGHBOUR:g}× (1000,) GFLOP/s, "
                     "batch 256", ratio, status])
    return rows


def section(groups, table):
    """The report's width section, tables made by ``table(header, rows)``"""
    parts = ["## Width cliff: powers of two against their neighbours (issue 19)", "",
             "Forward products `ops.matmul` (GFLOP/s, 2·m·k·n per product) at widths of 512, "
             "1024 and 2048 beside 8 fewer, each power of two's entry timing bendernet and "
             "NumPy at h − 8 and h interleaved (medians of blocks of calls), and one-epoch fits of (1000,) and (1024,) "
             "(GFLOP/s of the epoch's products). Each power of two should keep its "
             f"neighbour's pace (≥ {VS_NEIGHBOUR:g}×) and NumPy's (≥ {VS_NUMPY:g}×).", ""]
    rows = product_rows(groups)
    if rows:
        parts += [table(["dtype", "product (h)", "h − 8 GFLOP/s", "h GFLOP/s",
                         "h / (h − 8)", "h − 8 vs NumPy", "h vs NumPy"], rows), ""]
    rows = fit_rows(groups)
    if rows:
        parts += [table(["dtype", "(1000,) GFLOP/s", "(1024,) GFLOP/s", "ratio", "status"],
                        rows), ""]
    return parts
