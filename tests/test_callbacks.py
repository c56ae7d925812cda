"""scikit-learn's callback API on the MLPs: a task per epoch (per iteration for lbfgs),
ProgressBar and ScoringMonitor, a callback that stops the fit, Ctrl-C keeping the last
finished epoch, nothing done without callbacks, and no import error on a scikit-learn
without sklearn.callback."""

import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier, MLPRegressor
from helpers import quiet_fit as fit

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9 has no callbacks")


def small(Estimator=MLPClassifier, **params):
    defaults = dict(hidden_layer_sizes=(5,), max_iter=6, random_state=0, batch_size=30,
                    learning_rate_init=0.01)
    return Estimator(**{**defaults, **params})


class Recorder:
    """Records the hooks; stops (returns True) or raises at the end of epoch stop_at."""

    def __init__(self, stop_at=None, raise_at_end=None, raise_at_begin=None):
        self.stop_at, self.raise_at_end, self.raise_at_begin = (stop_at, raise_at_end,
                                                                raise_at_begin)
        self.events, self.models = [], []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None,
                          fitted_estimator=None):
        self.events.append(("begin", context.task_name, context.task_id))
        if self.raise_at_begin is not None and context.task_id + 1 == self.raise_at_begin:
            raise self.raise_at_begin_error

    raise_at_begin_error = KeyboardInterrupt

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None,
                        fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        if context.task_name in ("epoch",) and fitted_estimator is not None:
            predict = getattr(fitted_estimator, "predict_proba", fitted_estimator.predict)
            self.models.append(predict(X))
        epoch = context.task_id + 1
        if context.task_name == "epoch" and epoch == self.raise_at_end:
            raise KeyboardInterrupt
        return context.task_name == "epoch" and epoch == self.stop_at

    def epochs(self, kind):
        return [e for e in self.events if e[0:2] == (kind, "epoch")]


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_one_task_per_epoch_with_the_model_of_that_epoch(iris, backend):
    X, y = iris
    recorder = Recorder()
    model = fit(small(backend=backend).set_callbacks(recorder), X, y)
    assert recorder.events[:2] == ["setup", ("begin", "fit", 0)]
    assert recorder.events[-2:] == [("end", "fit", 0), "teardown"]
    assert recorder.epochs("begin") == [("begin", "epoch", k) for k in range(6)]
    assert recorder.epochs("end") == [("end", "epoch", k) for k in range(6)]
    for k, proba in enumerate(recorder.models, start=1):
        assert_array_equal(proba, fit(small(backend=backend, max_iter=k), X, y).predict_proba(X))
    # callbacks only watch: the fit is the one without them, and leaves no context behind
    assert_array_equal(model.coefs_[0], fit(small(backend=backend), X, y).coefs_[0])
    assert not hasattr(model, "_callback_fit_ctx")


def test_a_callback_returning_true_stops_after_that_epoch(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = small(max_iter=50).set_callbacks(Recorder(stop_at=3)).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert_array_equal(model.predict_proba(X), fit(small(max_iter=3), X, y).predict_proba(X))


def test_stopping_an_early_stopping_fit_keeps_its_best_epoch(iris):
    X, y = iris
    params = dict(max_iter=50, early_stopping=True, n_iter_no_change=100)
    model = fit(small(**params).set_callbacks(Recorder(stop_at=8)), X, y)
    assert model.n_iter_ == 8
    best = int(np.argmax(model.validation_scores_)) + 1
    replay = fit(small(**{**params, "max_iter": best}), X, y)
    assert_array_equal(model.predict_proba(X), replay.predict_proba(X))


def test_lbfgs_has_a_task_per_iteration_and_stops_when_asked(iris):
    X, y = iris
    recorder = Recorder()
    model = fit(small(solver="lbfgs", max_iter=10).set_callbacks(recorder), X, y)
    # as LogisticRegression: one more task for the iteration scipy never runs, ended empty
    assert len(recorder.epochs("end")) == model.n_iter_ + 1 == len(recorder.models) + 1
    assert_array_equal(recorder.models[-1], model.predict_proba(X))

    stopped = small(solver="lbfgs", max_iter=100).set_callbacks(Recorder(stop_at=4))
    fit(stopped, X, y)
    assert stopped.n_iter_ == 4
    assert_array_equal(stopped.predict_proba(X),
                       fit(small(solver="lbfgs", max_iter=4), X, y).predict_proba(X))


def test_partial_fit_is_one_epoch_task_and_the_regressor_has_tasks_too(iris):
    X, y = iris
    recorder = Recorder()
    model = small().set_callbacks(recorder)
    model.partial_fit(X, y, classes=[0, 1, 2])
    model.partial_fit(X, y)
    assert recorder.epochs("end") == [("end", "epoch", 0)] * 2
    reg_recorder = Recorder()
    fit(small(MLPRegressor).set_callbacks(reg_recorder), X, y.astype(float))
    assert len(reg_recorder.epochs("end")) == 6


@pytest.mark.parametrize("backend", ["c", "numpy"])
@pytest.mark.parametrize("where", ["end of epoch 3", "start of epoch 4"])
def test_ctrl_c_keeps_the_last_finished_epoch(iris, backend, where):
    X, y = iris
    recorder = (Recorder(raise_at_end=3) if where == "end of epoch 3"
                else Recorder(raise_at_begin=4))
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        model = small(backend=backend, max_iter=50).set_callbacks(recorder).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    three = fit(small(backend=backend, max_iter=3), X, y)
    assert_array_equal(model.predict_proba(X), three.predict_proba(X))
    # every task begun was ended, and the callbacks were torn down
    assert len(recorder.epochs("begin")) == len(recorder.epochs("end"))
    assert recorder.events[-1] == "teardown"


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_ctrl_c_seen_as_an_epoch_returns_counts_that_epoch(iris, backend, monkeypatch):
    # an epoch is one call into the kernels; a Ctrl-C pressed during it is raised when
    # the call returns, after its updates: that epoch is then the last finished one
    from bendernet import _network

    X, y = iris
    make_epochs = _network.Network.epochs

    def epochs_interrupted_as_the_third_returns(self, *args):
        epochs = make_epochs(self, *args)

        class InterruptedOnReturn:
            finished = property(lambda self: epochs.finished)
            last_loss_sum = property(lambda self: epochs.last_loss_sum)

            def run(self, order):
                loss_sum = epochs.run(order)
                if epochs.finished == 3:
                    raise KeyboardInterrupt
                return loss_sum

        return InterruptedOnReturn()

    monkeypatch.setattr(_network.Network, "epochs", epochs_interrupted_as_the_third_returns)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        model = small(backend=backend, max_iter=50).fit(X, y)
    monkeypatch.undo()
    three = fit(small(backend=backend, max_iter=3), X, y)
    assert model.n_iter_ == 3 and model.t_ == three.t_
    assert model.loss_curve_ == three.loss_curve_
    assert_array_equal(model.predict_proba(X), three.predict_proba(X))


def test_no_callbacks_no_context(iris, monkeypatch):
    X, y = iris

    def forbidden(*args, **kwargs):
        raise AssertionError("a fit without callbacks made a callback context")

    monkeypatch.setattr(MLPClassifier, "_init_callback_context", forbidden)
    fit(small(), X, y)
    fit(small(solver="lbfgs"), X, y)
    small().partial_fit(X, y, classes=[0, 1, 2])


def test_progress_bar_and_scoring_monitor(iris):
    pytest.importorskip("rich")
    X, y = iris
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model = fit(small().set_callbacks(callback.ProgressBar(), monitor), X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert [row["task_id"] for row in rows] == list(range(6))
    for k, row in enumerate(rows, start=1):
        assert row["accuracy"] == fit(small(max_iter=k), X, y).score(X, y)
    assert_array_equal(model.coefs_[0], fit(small(), X, y).coefs_[0])


class Counter:
    """A picklable callback that counts finished epochs."""

    def __init__(self):
        self.epochs = 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        self.epochs += context.task_name == "epoch"


def test_clone_pickle_and_warm_start_with_callbacks(iris):
    X, y = iris
    counter = Counter()
    model = fit(small(warm_start=True).set_callbacks(counter), X, y)
    fit(model, X, y)
    assert counter.epochs == 12
    copy = clone(model)
    assert copy._skl_callbacks == [counter]
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    fit(restored, X, y)
    assert restored._skl_callbacks[0].epochs == 18 and counter.epochs == 12


def test_set_callbacks_rejects_what_is_not_a_callback():
    with pytest.raises(TypeError, match="FitCallback protocol"):
        small().set_callbacks(object())


def test_an_older_scikit_learn_has_no_callbacks_and_no_import_error():
    script = textwrap.dedent("""
        import sys, warnings
        # the parts of scikit-learn that bendernet uses import as usual (some of them
        # import sklearn.callback in 1.9)
        import sklearn.metrics, sklearn.model_selection, sklearn.preprocessing
        import sklearn.utils.class_weight, sklearn.utils.optimize
        assert "bendernet" not in sys.modules
        saved = sys.modules.pop("sklearn.callback", None)
        sys.modules["sklearn.callback"] = None   # import sklearn.callback now fails
        from bendernet import MLPClassifier
        # scikit-learn 1.9's own fit decorator imports it: give it back for the fit
        del sys.modules["sklearn.callback"]
        if saved is not None:
            sys.modules["sklearn.callback"] = saved
        warnings.simplefilter("ignore")
        model = MLPClassifier((3,), max_iter=3, random_state=0).fit([[0, 1], [1, 0]] * 5,
                                                                    [0, 1] * 5)
        assert not hasattr(model, "set_callbacks")
        print(model.n_iter_)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
