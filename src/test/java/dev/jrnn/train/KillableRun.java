package dev.jrnn.train;

import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.SequenceClassifier;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.CosineAnnealingLR;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A small training run (2-layer RNN with dropout, shuffled batches, Adam, cosine schedule, clipping) that
 * can run in its own JVM ({@link #main}) so a test can kill it with {@code SIGKILL} at an arbitrary moment.
 */
final class KillableRun {

    static final int L = 6;
    static final int N = 40;
    static final int F = 3;
    static final int EPOCHS = 6;
    static final Tensor X = Tensor.normal(new Generator(11), 0f, 1f, L, N, F);   // (L, N, F)
    static final int[] Y = labels();

    final SequenceClassifier model;
    final Adam opt;
    final CosineAnnealingLR sched;
    final Trainer trainer;
    private final long batchDelayMillis;

    /** {@code initSeed} sets the initial weights and the dropout generator. */
    KillableRun(long initSeed, TrainerConfig config, long batchDelayMillis) {
        this(initSeed, config, batchDelayMillis, 8);
    }

    /** With {@code hidden} units per layer (256 makes every GEMM large enough to run on several threads). */
    KillableRun(long initSeed, TrainerConfig config, long batchDelayMillis, int hidden) {
        RNN rnn = new RNN(RNNConfig.rnn(F, hidden).withNumLayers(2).withDropout(0.3), initSeed);
        model = new SequenceClassifier(rnn, new Linear(hidden, 2, initSeed + 1));
        opt = new Adam(model.parameters(), 0.02);
        sched = new CosineAnnealingLR(opt, 4, 0.001);
        trainer = new Trainer(model, opt, sched, config);
        this.batchDelayMillis = batchDelayMillis;
    }

    static TrainerConfig config() {
        return TrainerConfig.of(EPOCHS, 8).withSeed(5).withClipGradNorm(1.0);
    }

    /** Class 1 iff the sum of feature 0 over time is positive. */
    private static int[] labels() {
        int[] y = new int[N];
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int t = 0; t < L; t++) {
                s += X.get(t, n, 0);
            }
            y[n] = s > 0 ? 1 : 0;
        }
        return y;
    }

    static Tensor batch(int[] idx) {
        Tensor b = Tensor.zeros(L, idx.length, F);
        for (int i = 0; i < idx.length; i++) {
            b.select(1, i).copyFromInPlace(X.select(1, idx[i]));
        }
        return b;
    }

    TrainingResult fit() throws IOException {
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        return trainer.fit(N, idx -> {
            SequenceClassifier.Output out = model.forward(batch(idx));
            int[] y = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                y[i] = Y[idx[i]];
            }
            LossOutput loss = ce.forward(out.logits(), y);
            out.backward(loss.backward());
            if (batchDelayMillis > 0) {
                try {
                    Thread.sleep(batchDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return loss.item();
        }, () -> ce.forward(model.forward(X).logits(), Y).item());
    }

    float[][] weights() {
        List<Parameter> ps = model.parameters();
        float[][] w = new float[ps.size()][];
        for (int i = 0; i < w.length; i++) {
            w[i] = ps.get(i).data().toArray();
        }
        return w;
    }

    /**
     * Trains with a checkpoint at {@code args[0]}, printing {@code epoch <k>} after each epoch, slowly
     * (a pause per batch) so that a kill lands mid-epoch or mid-write.
     */
    public static void main(String[] args) throws IOException {
        KillableRun run = new KillableRun(3, config().withCheckpoint(Path.of(args[0])), Long.parseLong(args[1]));
        run.trainer.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochEnd e) {
                System.out.println("epoch " + e.epoch());
                System.out.flush();
            }
        });
        run.fit();
        System.out.println("done");
    }
}
