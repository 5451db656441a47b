"""The one-line explanation shown after every answer of every self-check quiz.

Keyed by notebook stem and quiz grade_id, one line per question in the quiz's order. Kept apart
from ``apply_student_path.py`` so that a translator finds every line to translate in one place.
"""

EXPLANATIONS: dict[tuple[str, str], list[str]] = {
    ("01_loss_functions", "quiz-pre"): [
        "A price is a number on a continuous scale, so predicting it is regression; classification picks one of a few labels.",
        "Wx + b = 0 is a linear equation: in 2-D its solutions form a straight line, however long you train.",
        "Probabilities are never negative and add up to 1 over the classes; only [0.2, 0.3, 0.5] does both.",
        "A loss turns all of a model's mistakes into one number, and training means making that number smaller.",
    ],
    ("01_loss_functions", "quiz-post"): [
        "The gradient of a sum grows with the batch, so a learning rate tuned for 32 samples explodes at 1024; the mean keeps the step size the same.",
        "Squaring makes a big error huge, so squared error bends the fit towards outliers; absolute error grows only linearly and resists them.",
        "Softmax depends only on the differences between scores, and adding 100 to every score changes none of them.",
        "The 0-1 loss is a staircase: a small change of the weights rarely changes a prediction, so its slope is 0 and gives no direction.",
        "-ln(0.01) = ln(100), about 4.6: each factor of 10 less probability on the truth adds ln 10, about 2.3.",
    ],
    ("02_gradient_descent", "quiz-before"): [
        "W maps 2 features to 3 scores, so Wx needs 3 rows (one per class) and 2 columns (one per feature).",
        "The gradient points uphill, the way the function grows fastest; that is why gradient descent steps against it.",
        "η scales the step: θ moves by η times the gradient, so it sets how far each update goes, nothing else.",
        "An epoch is one full pass over the training set; it contains as many updates as there are minibatches.",
    ],
    ("02_gradient_descent", "quiz-after"): [
        "80 samples in batches of 8 make 80 / 8 = 10 minibatches, and each minibatch gives one update.",
        "Along θ₂ the curvature is 10, and a step multiplies θ₂ by (1 − 10η), which grows in size once η > 2/10 = 0.2.",
        "Each score z_c raises the loss by as much as the model over-predicts class c: p − onehot(y), positive for wrong classes.",
        "A minibatch gradient is a cheap, slightly noisy estimate; ten noisy steps usually beat one exact step that costs ten times as much.",
        "A loss that jumps around and climbs is the signature of steps that overshoot the valley: shrink the learning rate first.",
    ],
    ("03_linear_layer", "quiz-pre"): [
        "A @ v sums over the shared length 5 and leaves one number per row of A: shape (3,).",
        "The gradient points uphill, so a descent step subtracts it, scaled by the learning rate: θ − η ∂L/∂θ.",
        "Only the n-th term depends on ŷₙ, its derivative is 2 (ŷₙ − yₙ), and the mean's 1/N stays in front.",
        "The centred difference cancels the error term in h and is accurate to order h², the one-sided one only to order h.",
    ],
    ("03_linear_layer", "quiz-post"): [
        "z = x @ W.T + b, so each weight W[j, i] collects dz[:, j] times x[:, i] over the batch: dz.T @ x, of W's shape (n_out, n_in).",
        "The loss is already a mean, so the 1/N arrives inside dz; dividing again would shrink every gradient N times.",
        "Each output sums 400 products of unit variance, so its variance is 400 σ²; σ = 1/√400 = 1/20 brings it back to 1.",
        "For a smooth layer in float64, a correct backward agrees to about 1e-7; 3e-2 means the formula is wrong somewhere.",
        "dW = dz.T @ x needs the input of the forward pass, and by the time backward runs only the layer remembers it.",
    ],
    ("04_backpropagation", "quiz-pre"): [
        "The outer derivative is taken where the inner function lands, f'(g(x)), then multiplied by the inner slope g'(x).",
        "Gradient descent moves every parameter against its own derivative, so it needs dL/dθ for all of them.",
        "backward turns dL/d(output) into dL/d(input), which is exactly the 'output gradient' the layer before it needs.",
        "W2(W1 x + b1) + b2 is again one matrix times x plus a vector: without a non-linearity depth adds nothing.",
    ],
    ("04_backpropagation", "quiz-post"): [
        "Going backwards, the product of factors from the loss down to a layer is computed once and handed on, so no factor is computed twice.",
        "Per sample the gradient is p − onehot(y), and the mean over N samples divides each row by N.",
        "For x < 0, ReLU is the constant 0, and the slope of a constant is 0.",
        "Each layer's backward needs the gradient of the layer after it, so the pass must start at the loss and walk to the first layer.",
        "exp(1000) overflows to inf in float64, while tanh(x/2) saturates quietly at ±1: same function, no overflow.",
    ],
    ("05_multilayer_perceptron", "quiz-pre"): [
        "softmax only rescales the scores; the class with the larger score changes along the line where two linear scores are equal.",
        "backward(grad) returns dL/d(its input), the gradient the previous layer needs; weight gradients are stored, not returned.",
        "Each class occupies two opposite corners, so any straight line leaves points of both classes on one of its sides.",
        "Training data flatters the model; only data it never learned from tells you how it will do on new data.",
    ],
    ("05_multilayer_perceptron", "quiz-post"): [
        "A composition of affine maps is one affine map, W3(W2(W1x + b1) + b2) + b3 = Wx + b, whatever the number of layers.",
        "2·8 + 8 = 24 parameters in the first layer and 8·3 + 3 = 27 in the second: 51 in all.",
        "The left-hand factors of the chain rule are shared by every earlier layer, so computing them once from the loss backwards saves repeating them.",
        "Training loss down and validation loss up means the net is memorising the training set: stop at the best validation epoch or regularise.",
        "Broadcasting stretches (N, 1) against (N,) into (N, N), so the 'loss' averages every prediction against every target without complaint.",
    ],
}
