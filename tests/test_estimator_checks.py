"""scikit-learn's estimator checks on MLPClassifier and MLPRegressor.

Set up as scikit-learn 1.9.1 runs them on its own MLPs in
``sklearn/tests/test_common.py`` (``test_estimators``), so that bendernet meets the same
bar and no lower:

- the instances are built with scikit-learn's ``INIT_PARAMS`` for the MLPs
  (``max_iter=100``);
- the checks for which scikit-learn's ``PER_ESTIMATOR_CHECK_PARAMS`` sets other
  parameters get them here too (scikit-learn applies them only to its own classes);
- no check is skipped or marked as an expected failure: scikit-learn lists none for the
  MLPs (``PER_ESTIMATOR_XFAIL_CHECKS``);
- the same warnings are silenced as in ``test_estimators``.

``test_mirrored_settings_match_sklearn`` fails if the installed scikit-learn changes any
of these settings.

Target switch: set ``BENDERNET_PORT_TARGET=sklearn`` to run the checks on
``sklearn.neural_network`` instead; unset (or ``bendernet``) checks bendernet.
"""

import os

import pytest
from scipy.linalg import LinAlgWarning

from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._testing import ignore_warnings
from sklearn.utils.estimator_checks import parametrize_with_checks

PORT_TARGET = os.environ.get("BENDERNET_PORT_TARGET", "bendernet")
if PORT_TARGET == "sklearn":
    from sklearn.neural_network import MLPClassifier, MLPRegressor
elif PORT_TARGET == "bendernet":
    from bendernet import MLPClassifier, MLPRegressor
else:
    raise ValueError(
        f"BENDERNET_PORT_TARGET must be 'bendernet' or 'sklearn', got {PORT_TARGET!r}"
    )

# scikit-learn 1.9.1, sklearn/utils/_test_common/instance_generator.py
INIT_PARAMS = {
    "MLPClassifier": dict(max_iter=100),
    "MLPRegressor": dict(max_iter=100),
}
CHECK_PARAMS = {
    "MLPClassifier": {
        "check_sample_weight_equivalence_on_dense_data": dict(solver="lbfgs"),
    },
    "MLPRegressor": {
        "check_sample_weight_equivalence_on_dense_data": dict(
            solver="sgd", tol=1e-2, random_state=42
        ),
    },
}
EXPECTED_FAILED_CHECKS = {"MLPClassifier": {}, "MLPRegressor": {}}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


@parametrize_with_checks(
    [
        MLPClassifier(**INIT_PARAMS["MLPClassifier"]),
        MLPRegressor(**INIT_PARAMS["MLPRegressor"]),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_estimators(estimator, check):
    # parametrize_with_checks hands over each check as partial(check, name)
    params = CHECK_PARAMS[type(estimator).__name__].get(check.func.__name__)
    if params is not None:
        # the sklearn target's instance has them already: setting twice is a no-op
        estimator = clone(estimator).set_params(**params)
    with ignore_warnings(
        category=(FutureWarning, ConvergenceWarning, UserWarning, LinAlgWarning)
    ):
        check(estimator)


def test_mirrored_settings_match_sklearn():
    # the private module that holds scikit-learn's settings may move in later versions
    generator = pytest.importorskip("sklearn.utils._test_common.instance_generator")
    from sklearn import neural_network

    for name in ["MLPClassifier", "MLPRegressor"]:
        sklearn_class = getattr(neural_network, name)
        assert generator.INIT_PARAMS.get(sklearn_class) == INIT_PARAMS[name]
        sklearn_check_params = {
            check: params if isinstance(params, list) else [params]
            for check, params in generator.PER_ESTIMATOR_CHECK_PARAMS.get(
                sklearn_class, {}
            ).items()
        }
        assert sklearn_check_params == {
            check: [params] for check, params in CHECK_PARAMS[name].items()
        }
        assert generator._get_expected_failed_checks(sklearn_class()) == (
            EXPECTED_FAILED_CHECKS[name]
        )
