package dev.jrnn.optim;

/** The Adam update shared by {@link Adam} and {@link AdamW} (torch 1.13 {@code _single_tensor_adam}). */
final class AdamCore {

    private AdamCore() {
    }

    /**
     * One Adam step on one parameter, after any weight decay was applied.
     *
     * @param p parameter, modified
     * @param g gradient (with L2 term for Adam), not modified
     * @param m exp_avg, modified
     * @param v exp_avg_sq, modified
     * @param vMax max_exp_avg_sq or null without amsgrad, modified
     */
    static void step(float[] p, float[] g, float[] m, float[] v, float[] vMax, double lr, double beta1, double beta2,
                     double eps, long step) {
        float b1 = (float) beta1;
        float oneMinusB1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float oneMinusB2 = (float) (1 - beta2);
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        float negStepSize = (float) -(lr / biasCorrection1);
        float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
        float e = (float) eps;
        for (int j = 0; j < p.length; j++) {
            m[j] = Math.fma(oneMinusB1, g[j], m[j] * b1);
            v[j] = v[j] * b2 + oneMinusB2 * g[j] * g[j];
            float second = v[j];
            if (vMax != null) {
                vMax[j] = Math.max(vMax[j], v[j]);
                second = vMax[j];
            }
            float denom = (float) Math.sqrt(second) / bc2Sqrt + e;
            p[j] = p[j] + negStepSize * m[j] / denom;
        }
    }
}
