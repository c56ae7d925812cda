"""The parameter and attribute sections both estimators' docstrings share."""

SHARED_PARAMETERS = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : str or tuple or list of str, default='relu'
        Activation of the hidden layers, one of ``bendernet.activations.NAMES``:
        scikit-learn's 'identity', 'logistic', 'tanh', 'relu', and beyond it 'arctan',
        'prelu' (slope for x < 0 learned per hidden layer, from 0.25; see
        ``prelu_alpha_``), 'elu' (alpha 1) and 'softplus'. 'step' predicts with binary
        step units; trained, its zero derivative leaves the hidden layers as initialised.
        A single name applies to every hidden layer; a tuple or list gives one name per
        hidden layer, e.g. ``activation=('relu', 'tanh')`` with
        ``hidden_layer_sizes=(64, 32)`` (ValueError at fit, naming the layer, for a wrong
        length or an unknown name). Each layer of weights is initialised for the
        activation it feeds, the output layer's for the last hidden one.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        'lbfgs' is scipy's L-BFGS-B on the full batch, 'sgd' stochastic gradient descent
        with momentum, 'adam' the Adam optimizer.

    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the batch's sample (weight) count.

    batch_size : int or 'auto', default='auto'
        Size of the mini-batches of the stochastic solvers; 'auto' is min(200, n_samples).

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of sgd's learning rate: constant; learning_rate_init / pow(t, power_t);
        or divided by 5 each time n_iter_no_change epochs fail to improve by tol.

    learning_rate_init : float, default=0.001
        The initial learning rate of sgd and adam.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

    shuffle : bool, default=True
        Whether to shuffle the samples each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, the early-stopping split and the shuffles, drawing exactly
        what scikit-learn draws.

    tol : float, default=1e-4
        Tolerance of the convergence test.

    verbose : bool, default=False
        Whether to print progress messages.

    warm_start : bool, default=False
        Whether to start from the previous fit's solution.

    momentum : float, default=0.9
        Momentum of sgd, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether sgd uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether to hold out validation_fraction of the data (or use the X_val and y_val
        given to fit) and stop when its score stops improving (stochastic solvers).

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's first and second moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical-stability term.

    n_iter_no_change : int, default=10
        Epochs without improvement by tol before stopping (stochastic solvers).

    max_fun : int, default=15000
        Maximum number of loss evaluations (lbfgs).

    backend : {'c', 'numpy'}, default='c'
        Where the arithmetic runs: bendernet's C kernels, or ``bendernet.reference``,
        the same algorithm in pure NumPy (slow; a reference and a baseline).

    scoring : str, callable or None, default=None
        How early stopping judges each epoch's model on the validation set (greater is
        better): None, the estimator's ``score`` (accuracy, R²), as scikit-learn does;
        'loss', the negated validation loss; or any scorer name or callable that
        ``sklearn.metrics.check_scoring`` accepts. ``validation_scores_`` and
        ``best_validation_score_`` hold its values. Used with early_stopping=True.
"""

CLASS_WEIGHT_PARAMETER = """
    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplying sample_weight (the training loss and the
        validation score are weighted by both): ``{class: weight}`` (a class left out
        weighs 1), for a multilabel target a list of such dicts, one per output, with
        keys 0 and 1 (a sample weighs the product of its outputs' weights), or
        'balanced', ``n_samples / (n_classes * np.bincount(y))``, as
        ``sklearn.utils.class_weight.compute_sample_weight`` gives them. partial_fit
        takes dicts only. None weighs every class 1.
"""

SHARED_ATTRIBUTES = """
    loss_ : float
        The loss of the last epoch (or lbfgs's final loss).

    best_loss_ : float or None
        The lowest training loss reached (None with early stopping).

    loss_curve_ : list of float
        The loss of each epoch (stochastic solvers).

    validation_scores_ : list of float or None
        The held-out score of each epoch with early stopping (see ``scoring``).

    validation_loss_curve_ : list of float or None
        The loss on the validation set after each epoch with early stopping: the loss
        that training minimises (weighted by the validation set's sample weights),
        without the L2 penalty.

    best_validation_score_ : float or None
        The best held-out score with early stopping.

    t_ : int
        Number of samples seen by the solver.

    coefs_ : list of ndarray of shape (n_units_in, n_units_out)
        Weight matrix of each layer. Assigning new arrays changes the model.

    intercepts_ : list of ndarray of shape (n_units_out,)
        Bias vector of each layer.

    prelu_alpha_ : ndarray of shape (n_layers - 2,)
        When a hidden layer is 'prelu': the learned slope for x < 0 of each hidden
        layer, NaN for a layer whose activation is not 'prelu'.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.

    n_iter_ : int
        Number of epochs (or lbfgs iterations) run.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        The output activation: 'identity', 'logistic', 'softmax' or 'exp'.
"""
