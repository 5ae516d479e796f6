package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * Gradient clipping, PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}.
 * Both modify the parameters' gradients in place; call them after backward and before
 * {@link Optimizer#step()}.
 *
 * <p>Thread safety: stateless, but clipping writes the gradients: do not clip parameters that another
 * thread is reading or writing.
 */
public final class ClipGrad {

    private ClipGrad() {
    }

    /**
     * {@link #clipGradNorm(List, double, double, boolean)} with the 2-norm, not failing on non-finite norms.
     *
     * @return the total 2-norm of all gradients before clipping
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0, false);
    }

    /**
     * Scales all gradients together so that their total norm is at most {@code maxNorm}, like torch 1.13:
     * <pre>
     *   total = ‖(‖g_1‖_p, …, ‖g_k‖_p)‖_p        (p = ∞: the largest |g|)
     *   coef  = min(maxNorm / (total + 1e-6), 1)
     *   g_i  ← g_i · coef                         (every gradient, also when coef = 1)
     * </pre>
     * The norms are float32 values as torch's are (each per-parameter norm accumulated in double and
     * rounded once), and {@code coef} is computed as torch does, {@code (1 / (total + 1e-6)) · maxNorm}
     * in float32, so the clipped gradients equal torch's to the last bit or so.
     *
     * @param params whose gradients to clip, modified; an empty list returns 0
     * @param maxNorm the largest allowed total norm
     * @param normType {@code p > 0}, or {@link Double#POSITIVE_INFINITY}
     * @param errorIfNonfinite throw if the total norm is NaN or infinite (torch's {@code error_if_nonfinite})
     * @return the total norm before clipping (a float32 value)
     * @throws IllegalArgumentException for {@code normType <= 0}, a negative or NaN {@code maxNorm}
     * @throws IllegalStateException for a non-finite total norm when {@code errorIfNonfinite}
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        Args.noNulls(params);
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("max_norm must be >= 0 (or +infinity), got " + maxNorm);
        }
        if (!(normType > 0)) {
            throw new IllegalArgumentException("norm_type must be > 0 or infinity, got " + normType);
        }
        if (params.isEmpty()) {
            return 0;
        }
        boolean inf = Double.isInfinite(normType);
        double acc = 0;
        for (Parameter p : params) {
            float[] g = p.grad().toArray();
            float norm = inf ? maxAbs(g) : pNorm(g, normType);
            acc = inf ? Math.max(acc, norm) : acc + Math.pow(Math.abs((double) norm), normType);
            if (Float.isNaN(norm)) {
                acc = Double.NaN;
            }
        }
        float total = inf ? (float) acc : (float) root(acc, normType);
        if (errorIfNonfinite && !Float.isFinite(total)) {
            throw new IllegalStateException("The total norm of order " + normType + " for gradients from `parameters` is"
                    + " non-finite, so it cannot be clipped. To disable this error and scale the gradients by the"
                    + " non-finite norm anyway, pass errorIfNonfinite = false");
        }
        float coef = (1f / (total + 1e-6f)) * (float) maxNorm;
        if (coef > 1f) {
            coef = 1f;
        }
        for (Parameter p : params) {
            p.grad().mulInPlace(coef);
        }
        return total;
    }

    private static float maxAbs(float[] g) {
        float m = 0;
        for (float v : g) {
            if (Float.isNaN(v)) {
                return Float.NaN;
            }
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static float pNorm(float[] g, double p) {
        double s = 0;
        for (float v : g) {
            double a = Math.abs((double) v);
            s += p == 2 ? a * a : p == 1 ? a : Math.pow(a, p);
        }
        return (float) root(s, p);
    }

    private static double root(double s, double p) {
        return p == 2 ? Math.sqrt(s) : p == 1 ? s : Math.pow(s, 1 / p);
    }

    /**
     * Clamps every gradient element to {@code [−clipValue, clipValue]}, like {@code clip_grad_value_}.
     *
     * @param params whose gradients to clip, modified
     * @param clipValue {@code >= 0}
     * @throws IllegalArgumentException for a negative or NaN clip value
     */
    public static void clipGradValue(List<Parameter> params, double clipValue) {
        Args.noNulls(params);
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("clip value must be >= 0, got " + clipValue);
        }
        float c = (float) clipValue;
        for (Parameter p : params) {
            float[] g = p.grad().toArray();
            for (int i = 0; i < g.length; i++) {
                g[i] = Math.min(Math.max(g[i], -c), c);   // NaN stays NaN, as in torch.clamp
            }
            p.grad().copyFromInPlace(Tensor.of(g, p.shape()));
        }
    }
}
