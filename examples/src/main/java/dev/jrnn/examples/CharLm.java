package dev.jrnn.examples;

import dev.jrnn.examples.Gospels.Translation;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.GRU;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.train.Trainer;
import dev.jrnn.train.TrainerConfig;
import dev.jrnn.train.TrainingListener;
import dev.jrnn.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A character-level language model: a GRU reads the King James Gospels one character at a time and learns
 * to predict the next; after every epoch it writes a sample from the same prompt, so the text visibly
 * improves.
 */
@Command(name = "charlm", usageHelpWidth = 110, header = "A GRU character-level language model on the King James Gospels, with samples.",
        descriptionHeading = "%n", sortOptions = false, description = {
    "A character-level language model: nn.GRU(58, H) + Linear(H, 58) trained on the King James Gospels",
    "(chapters divisible by 5 held out), 64-character windows, truncated to one window per sequence.",
    "After every epoch it samples 160 characters from the same prompt and seed, so you can watch the text",
    "improve; at the end it samples at three temperatures. Writes DIR/charlm.png (loss curves, 800 x 450).",
    "Defaults: --epochs 8, --hidden 128, Adam lr 0.005, batch 32, clip 1.", ""})
final class CharLm implements Callable<Integer> {

    static final int LENGTH = 64;

    @Mixin
    Options options = new Options();

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature of the per-epoch samples"
            + " (default: ${DEFAULT-VALUE}); lower is more conservative.")
    double temperature = 0.7;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text the samples start from (default: \"${DEFAULT-VALUE}\").")
    String prompt = "and jesus said unto them, ";

    @Option(names = "--windows", paramLabel = "N", description = "Training windows per epoch (default: ${DEFAULT-VALUE}).")
    int windows = 4000;

    PrintStream out = System.out;

    /** What the job produced. */
    record Result(List<Double> trainLosses, List<Double> valLosses, List<String> samples, Path png) {
    }

    @Override
    public Integer call() throws IOException {
        run();
        return 0;
    }

    Result run() throws IOException {
        options.applyThreads();
        int epochs = options.epochs(8);
        int hidden = options.hidden(128);
        options.atLeast("--windows", windows, 1);
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("--temperature must be > 0, got " + temperature);
        }
        String p = Text.normalise(prompt) + (prompt.endsWith(" ") ? " " : "");   // keep a trailing space
        if (p.isEmpty()) {
            throw new IllegalArgumentException("--prompt must not be empty");
        }
        List<Gospels.Verse> verses = Gospels.verses(Translation.KJV);
        int[] train = Text.codes(Gospels.joined(verses, false));
        int[] val = Text.codes(Gospels.joined(verses, true));
        Generator g = new Generator(options.seed);
        int[][] xs = windows(train, windows, g);
        int[][] vxs = windows(val, Math.max(64, windows / 10), g);

        GRU gru = new GRU(RNNConfig.gru(Text.V, hidden), options.seed);
        Linear head = new Linear(hidden, Text.V, options.seed + 1);
        List<Parameter> params = new ArrayList<>(gru.parameters());
        params.addAll(head.parameters());
        Adam adam = new Adam(params, 5e-3);
        CrossEntropyLoss ce = CrossEntropyLoss.of();

        out.printf("jrnn examples: charlm — a GRU language model on the King James Gospels%n");
        out.printf("  %s + Linear(%d, %d): %,d parameters; %,d training windows of %d characters per epoch (%,d"
                + " characters of text), %d epochs%n", "nn.GRU(" + Text.V + ", " + hidden + ")", hidden, Text.V,
                gru.numParameters() + head.numParameters(), xs.length, LENGTH, train.length, epochs);
        out.printf("  samples: prompt \"%s\", temperature %.2f, the same sampling seed every epoch%n%n", p, temperature);

        Trainer trainer = new Trainer(gru, adam, null, TrainerConfig.of(epochs, 32).withSeed(options.seed)
                .withClipGradNorm(1.0));
        Progress bar = new Progress(out, Progress.isTerminal(), "GRU", epochs);
        List<String> samples = new ArrayList<>();
        double[] valLoss = {0};
        trainer.addListener(new TrainingListener() {
            double rate;
            double eta;

            @Override
            public void onBatchEnd(BatchEnd e) {
                rate = e.examplesPerSecond();
                eta = e.etaSeconds();
                bar.batch(e.epoch(), e.batch(), e.batchesPerEpoch(), String.format("loss %.3f", e.loss()), rate, eta);
            }

            @Override
            public void onEpochEnd(EpochEnd e) {
                bar.epoch(e.epoch(), String.format("loss %.3f  val %.3f (%.2f bits/char)", e.trainLoss(), valLoss[0],
                        valLoss[0] / Math.log(2)), rate, eta);
                String s = sample(gru, head, p, 160, temperature, new Generator(options.seed + 7));
                samples.add(s);
                out.println("    \"" + p + s + "\"");
            }
        });
        TrainingResult r = trainer.fit(xs.length, idx -> {
            Tensor x = Text.oneHot(xs, idx, LENGTH);
            RNNOutput o = gru.forward(x);
            Tensor logits = head.forward(o.output());                       // (L, N, V)
            LossOutput loss = ce.forward(logits.view(LENGTH * idx.length, Text.V), targets(xs, idx));
            Tensor gradLogits = loss.backward().view(LENGTH, idx.length, Text.V);
            o.backward(head.backward(o.output(), gradLogits), null);
            return loss.item();
        }, () -> {
            valLoss[0] = evaluate(gru, head, vxs);
            return valLoss[0];
        });

        out.printf("%nfinal samples from \"%s\":%n", p);
        for (double t : new double[] {0.3, 0.7, 1.0}) {
            out.printf("  T=%.1f  \"%s%s\"%n", t, p, sample(gru, head, p, 160, t, new Generator(options.seed + 11)));
        }
        Path png = options.out.resolve("charlm.png");
        XYChart c = Charts.chart(800, 450, "GRU character model: loss (solid: train, dashed: validation)", "epoch", "cross-entropy, nats per character");
        Charts.addCurves(c, new Charts.Curve("GRU", r.trainLosses(), r.evalLosses()), 0, 1);
        Charts.writeRow(png, c);
        out.printf("%nloss curves: %s (800 x 450 PNG)%n", png.toAbsolutePath().normalize());
        return new Result(r.trainLosses(), r.evalLosses(), samples, png);
    }

    /** {@return random windows of LENGTH + 1 codes (input and the next character)} */
    private static int[][] windows(int[] text, int count, Generator g) {
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) {
            int start = g.nextInt(text.length - LENGTH - 1);
            out[i] = java.util.Arrays.copyOfRange(text, start, start + LENGTH + 1);
        }
        return out;
    }

    /** {@return the next-character targets, time-major: {@code [t·N + n] = seq[idx[n]][t + 1]}} */
    private static int[] targets(int[][] xs, int[] idx) {
        int n = idx.length;
        int[] t = new int[LENGTH * n];
        for (int s = 0; s < LENGTH; s++) {
            for (int b = 0; b < n; b++) {
                t[s * n + b] = xs[idx[b]][s + 1];
            }
        }
        return t;
    }

    private static double evaluate(GRU gru, Linear head, int[][] vxs) {
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        double sum = 0;
        for (int from = 0; from < vxs.length; from += 128) {
            int[] idx = new int[Math.min(128, vxs.length - from)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            Tensor logits = head.forward(gru.forward(Text.oneHot(vxs, idx, LENGTH)).output());
            sum += ce.forward(logits.view(LENGTH * idx.length, Text.V), targets(vxs, idx)).item() * idx.length;
        }
        return sum / vxs.length;
    }

    /**
     * {@return {@code n} characters sampled after the prompt, one at a time, carrying the hidden state}
     * The model runs in eval mode and is left in the mode it was in.
     */
    static String sample(GRU gru, Linear head, String prompt, int n, double temperature, Generator g) {
        boolean training = gru.isTraining();
        gru.eval();
        try {
            int[] p = Text.codes(prompt);
            RNNOutput o = gru.forward(Text.oneHot(new int[][] {p}, new int[] {0}, p.length));
            Tensor h = o.hN();
            float[] logits = head.forward(o.output().select(0, p.length - 1)).toArray();
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                int c = draw(logits, temperature, g);
                s.append(Text.ALPHABET.charAt(c));
                o = gru.forward(Text.oneHot(new int[][] {{c}}, new int[] {0}, 1), h);
                h = o.hN();
                logits = head.forward(o.output().select(0, 0)).toArray();
            }
            return s.toString();
        } finally {
            if (training) {
                gru.train();
            }
        }
    }

    /** {@return a class drawn from softmax(logits / temperature)} */
    static int draw(float[] logits, double temperature, Generator g) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        double u = g.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u <= 0) {
                return i;
            }
        }
        return p.length - 1;
    }
}
