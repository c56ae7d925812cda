"""A small PyTorch MLP trained like scikit-learn's, for the benchmark's PyTorch entries.

Same architecture (hidden activation, softmax / logistic / identity output), the same
Glorot-uniform initialisation, the same loss (mean log-loss, or half the mean squared
error), the same L2 penalty (``alpha / batch_size`` on weights only, as scikit-learn adds
``alpha * W`` to the summed gradient before dividing by the batch), the same optimizer and
hyper-parameters, the same batch size, a fresh shuffle every epoch. Written the way a PyTorch
user would: plain ``nn.Sequential``, default optimizer implementations, indexing a tensor
that shares memory with the NumPy input.
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid, "identity": nn.Identity}


class TorchMLP:
    """fit / predict_proba / predict / score over NumPy arrays, like the sklearn estimators."""

    def __init__(self, task, hidden_layer_sizes, activation, solver, batch_size,
                 learning_rate_init, max_iter, random_state, alpha=1e-4, momentum=0.9,
                 nesterovs_momentum=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **ignored):
        self.task, self.hidden, self.activation = task, tuple(hidden_layer_sizes), activation
        self.solver, self.batch_size, self.lr = solver, batch_size, learning_rate_init
        self.epochs, self.seed, self.alpha = max_iter, random_state, alpha
        self.momentum, self.nesterov = momentum, nesterovs_momentum
        self.betas, self.epsilon = (beta_1, beta_2), epsilon

    def _build(self, n_in, n_out, dtype):
        sizes = [n_in, *self.hidden, n_out]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(fan_in, fan_out, dtype=dtype)
            # scikit-learn's Glorot-uniform bound (factor 2 for logistic, else 6)
            bound = np.sqrt((2 if self.activation == "logistic" else 6) / (fan_in + fan_out))
            nn.init.uniform_(linear.weight, -bound, bound)
            nn.init.uniform_(linear.bias, -bound, bound)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[self.activation]())
        return nn.Sequential(*layers)

    def _optimizer(self, n):
        weights = [p for name, p in self.model_.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in self.model_.named_parameters() if name.endswith("bias")]
        groups = [{"params": weights, "weight_decay": self.alpha / min(self.batch_size, n)},
                  {"params": biases, "weight_decay": 0.0}]
        if self.solver == "adam":
            return torch.optim.Adam(groups, lr=self.lr, betas=self.betas, eps=self.epsilon)
        return torch.optim.SGD(groups, lr=self.lr, momentum=self.momentum,
                               nesterov=self.nesterov)

    def _loss(self, output, target):
        if self.task == "regress":
            return 0.5 * F.mse_loss(output, target)
        if self.n_out_ == 1:
            return F.binary_cross_entropy_with_logits(output[:, 0], target)
        return F.cross_entropy(output, target)

    def fit(self, X, y, initial=None, orders=None):
        """Train on X, y. ``initial`` (scikit-learn's ``coefs_``, ``intercepts_`` before
        training) and ``orders`` (each epoch's sample order) replace torch's own draws, so
        that a test can check this peer against scikit-learn step for step."""
        torch.manual_seed(self.seed)
        X = torch.from_numpy(np.ascontiguousarray(X))
        if self.task == "regress":
            self.n_out_ = 1
            target = torch.from_numpy(np.asarray(y, dtype=X.numpy().dtype).reshape(len(y), -1))
        else:
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.n_out_ = 1 if len(self.classes_) == 2 else len(self.classes_)
            target = torch.from_numpy(codes.astype(X.numpy().dtype if self.n_out_ == 1
                                                   else np.int64))
        self.model_ = self._build(X.shape[1], self.n_out_, X.dtype)
        if initial is not None:
            self._load(*initial)
        step = self._step_function(self._forward(), self._optimizer(len(X)))
        shuffle = torch.Generator().manual_seed(self.seed)
        batch = min(self.batch_size, len(X))
        for epoch in range(self.epochs):
            order = (torch.randperm(len(X), generator=shuffle) if orders is None
                     else torch.from_numpy(orders[epoch]))
            for start in range(0, len(X), batch):
                rows = order[start:start + batch]
                step(X[rows], target[rows])
        return self

    def _forward(self):
        """The callable the training steps run the model through (torch_compiled.py
        compiles it)."""
        return self.model_

    def _step_function(self, forward, optimizer):
        """One optimizer update on a mini-batch: ``step(inputs, targets)``."""
        def step(inputs, targets):
            optimizer.zero_grad(set_to_none=True)
            self._loss(forward(inputs), targets).backward()
            optimizer.step()
        return step

    def _load(self, coefs, intercepts):
        """Set the layers to scikit-learn's parameters (``coefs[i]`` is [fan_in, fan_out],
        torch's weight its transpose)."""
        linears = [layer for layer in self.model_ if isinstance(layer, nn.Linear)]
        with torch.no_grad():
            for linear, coef, intercept in zip(linears, coefs, intercepts, strict=True):
                linear.weight.copy_(torch.from_numpy(np.asarray(coef).T))
                linear.bias.copy_(torch.from_numpy(np.asarray(intercept)))

    def _output(self, X):
        with torch.no_grad():
            return self.model_(torch.from_numpy(np.ascontiguousarray(X)))

    def predict_proba(self, X):
        out = self._output(X)
        if self.n_out_ == 1:
            p = torch.sigmoid(out)
            return torch.cat([1 - p, p], dim=1).numpy()
        return torch.softmax(out, dim=1).numpy()

    def predict(self, X):
        if self.task == "regress":
            return self._output(X).numpy()[:, 0]
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y):
        from sklearn.metrics import accuracy_score, r2_score

        metric = r2_score if self.task == "regress" else accuracy_score
        return metric(y, self.predict(X))
