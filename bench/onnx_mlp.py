"""The ONNX Runtime peer for prediction: scikit-learn's fitted MLP exported by skl2onnx and
run by one ``onnxruntime.InferenceSession``, as a user who serves a model with it would.

The graph takes the input in the training data's dtype (``DoubleTensorType`` for the
float64 W1 model: MatMul, Add, Relu, MatMul, Add, Softmax, all in float64, so its
probabilities are scikit-learn's to rounding), without skl2onnx's ZipMap (a list of one
dict per row, far slower than the probability tensor a user asks for). The session uses the
thread count the other systems use (``intra_op_num_threads``) and one inter-op thread.
"""

import numpy as np


class OnnxRuntimeMLP:
    """fit (scikit-learn's, then the export) / predict_proba (``session.run``) / predict."""

    def __init__(self, estimator, threads):
        self.estimator, self.threads = estimator, threads

    def fit(self, X, y):
        import onnxruntime
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

        self.estimator.fit(X, y)
        self.classes_ = self.estimator.classes_
        tensor_type = DoubleTensorType if X.dtype == np.float64 else FloatTensorType
        exported = convert_sklearn(self.estimator,
                                   initial_types=[("X", tensor_type([None, X.shape[1]]))],
                                   options={id(self.estimator): {"zipmap": False}})
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        self.session_ = onnxruntime.InferenceSession(exported.SerializeToString(), options,
                                                     providers=["CPUExecutionProvider"])
        self.input_name_ = self.session_.get_inputs()[0].name
        self.outputs_ = ["probabilities"]
        return self

    def predict_proba(self, X):
        """The probabilities, from ``session.run``; X already in the model's dtype, as the
        bench passes it (ONNX Runtime refuses another dtype rather than convert)."""
        return self.session_.run(self.outputs_, {self.input_name_: X})[0]

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y):
        return float(np.mean(self.predict(X) == y))
