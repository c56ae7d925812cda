"""The PyTorch peer under ``torch.compile``: the same model, loss, optimizer and batches as
``torch_mlp.TorchMLP``, with the model compiled by TorchInductor (its default mode, static
shapes) the way a PyTorch user would write it: ``model = torch.compile(model)``.

Only the model (its forward and, through AOTAutograd, its backward) is compiled. Compiling
``optimizer.step`` too would guard on the optimizer object, so every fit's fresh optimizer
would compile again inside the timed fit (and past ``recompile_limit`` fall back to eager).

Compiling happens in the first fit of a configuration (the bench's warm-up round) and is
left out of the timed fits, as a user who fits many times sees it. Its cost is measured
there once, per configuration, and every fit of that configuration reports it as
``compile_seconds_``; ``compiled_graphs_`` counts the graphs compiled during that fit (0
once warm: a timed fit that compiled would show here).
"""

import time

import torch
from torch._dynamo.utils import counters

from bench.torch_mlp import TorchMLP

# One frame (nn.Sequential.forward) serves every workload; each one adds one graph per
# batch shape (the full batches and the last, smaller one), above dynamo's default limit of
# 8 over a whole bench run, past which it would run eager without saying so.
RECOMPILE_LIMIT = 64

# seconds spent compiling, per configuration: measured in its first fit in this process
_compile_seconds = {}


def graphs_compiled():
    """Graphs TorchDynamo has compiled in this process so far."""
    return counters["stats"]["unique_graphs"]


class CompiledTorchMLP(TorchMLP):
    def _forward(self):
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit,
                                                   RECOMPILE_LIMIT)
        return torch.compile(self.model_, dynamic=False)

    def _step_function(self, forward, optimizer):
        """The plain step, timed only when it compiles: a step that compiled a graph adds its
        whole time (compiling dwarfs the step) to this fit's compile time."""
        plain = super()._step_function(forward, optimizer)
        self._compiling_seconds = 0.0

        def step(inputs, targets):
            before, start = graphs_compiled(), time.perf_counter()
            plain(inputs, targets)
            if graphs_compiled() != before:
                self._compiling_seconds += time.perf_counter() - start
        return step

    def _configuration(self, X):
        return (self.task, X.shape[1], self.hidden, self.n_out_, self.activation,
                str(X.dtype), self.solver, self.batch_size, len(X))

    def fit(self, X, y, initial=None, orders=None):
        before = graphs_compiled()
        super().fit(X, y, initial, orders)
        self.compiled_graphs_ = graphs_compiled() - before
        key = self._configuration(X)
        if self.compiled_graphs_:
            _compile_seconds[key] = _compile_seconds.get(key, 0.0) + self._compiling_seconds
        self.compile_seconds_ = _compile_seconds.get(key, 0.0)
        return self
