"""The FLOP count (bench/flops.py) on networks small enough to count by hand, and the layer
sizes the workloads give it. Not a benchmark: it runs in every mode, smoke included."""

from bench import flops, workloads


def test_one_hidden_layer_counted_by_hand():
    # 3 inputs, 4 hidden, 2 outputs: products 3·4 = 12 and 4·2 = 8 per row
    sizes = flops.layer_sizes(3, (4,), 2)
    assert sizes == [3, 4, 2]
    forward = 2 * 12 + 2 * 8           # 40
    weights = 2 * 12 + 2 * 8           # 40
    deltas = 2 * 8                     # below the output layer only, none for the input
    assert flops.predict_flops(sizes, rows=5) == 5 * forward == 200
    assert flops.fit_flops(sizes, rows=5, epochs=2) == 2 * 5 * (forward + weights + deltas) == 960


def test_two_hidden_layers_counted_by_hand():
    # 2 → 3 → 3 → 1: products 6, 9, 3 per row; deltas below the second and third layers
    sizes = flops.layer_sizes(2, (3, 3), 1)
    per_row = (2 * 6 + 2 * 9 + 2 * 3) + (2 * 6 + 2 * 9 + 2 * 3) + (2 * 9 + 2 * 3)
    assert per_row == 96
    assert flops.fit_flops(sizes, rows=1, epochs=1) == 96
    assert flops.fit_flops(sizes, rows=7, epochs=3) == 21 * 96
    assert flops.predict_flops(sizes, rows=1) == 36


def test_workload_sizes():
    assert workloads.sizes(workloads.W1_F64) == [64, 100, 10]   # ten digits
    assert workloads.sizes(workloads.W3) == [2, 4, 1]           # two classes: one output
    assert workloads.sizes(workloads.W5) == [50, 64, 64, 1]     # a regression: one output
    assert workloads.sizes(workloads.W2) == [784, 256, 128, 10]
    rows = len(workloads.W1_F64.arrays()[0])
    assert workloads.fit_flops(workloads.W1_F64) == flops.fit_flops(
        [64, 100, 10], rows, workloads.W1_F64.epochs)
