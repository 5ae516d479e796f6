package dev.jrnn.examples;

import dev.jrnn.examples.Gospels.Translation;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.Parameter;
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
import java.util.function.Supplier;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The default job: the four architectures people build first, trained side by side on one task, then
 * compared. The task is word segmentation, a tagging task: the spaces are removed from 48 characters of the
 * Gospels (English KJV and WEB, Spanish Reina-Valera) and the model tags every character with "a space
 * follows". Whether a word ends at a character depends on the characters after it, so this is the task where
 * reading the sequence in both directions is not only legitimate but necessary.
 */
@Command(name = "segment", usageHelpWidth = 110, header = "The default job: SimpleRNN, BiRNN, StackedRNN, StackedBiRNN put the spaces back into text.",
        descriptionHeading = "%n", sortOptions = false, showDefaultValues = false,
        description = {
            "The default job. Trains SimpleRNN, BiRNN, StackedRNN and StackedBiRNN (tanh; 2 layers when stacked) side",
            "by side on a real tagging task: put the spaces back into text. A window of 48 characters of the Gospels",
            "(King James, World English Bible, Reina-Valera 1909) with its spaces removed, e.g.",
            "  \"andjesussaidunto\" -> and|jesus|said|unto|   (tag per character: does a space follow it?)",
            "Every character gets a tag, so a forward-only model must decide before it sees the next letters.",
            "Chapters divisible by 5 are held out. Prints a live progress bar per model, a comparison table, and",
            "writes the loss and accuracy curves to DIR/segment.png (1200 x 450).",
            "Defaults: --epochs 8, --hidden 64, --train 2500, Adam lr 0.003, batch 32, gradient norm clipped to 1.", ""})
final class Segment implements Callable<Integer> {

    static final int WIDTH = 1200;
    static final int HEIGHT = 450;

    @Mixin
    Options options = new Options();

    @Mixin
    Flags flags = new Flags();

    /** The task's own flags; the root command takes them too, so {@code examples/run --train 300} works. */
    static final class Flags {
        @Option(names = "--train", paramLabel = "N", description = "Default job: training windows per translation (default:"
                + " ${DEFAULT-VALUE}; validation: a quarter as many).")
        int trainPerClass = 2500;

        @Option(names = "--window", paramLabel = "L", description = "Default job: characters per window (default: ${DEFAULT-VALUE}).")
        int window = 48;

        @Option(names = "--lr", paramLabel = "RATE", description = "Default job: Adam learning rate (default: ${DEFAULT-VALUE}).")
        double lr = 3e-3;
    }

    private int window;

    PrintStream out = System.out;

    /** One trained architecture; accuracies are per character. */
    record Run(String name, String torch, long parameters, double seconds, double trainLoss, double trainAcc,
               double valLoss, double valAcc, List<Double> trainLosses, List<Double> valLosses,
               List<Double> trainAccs, List<Double> valAccs) {
    }

    /** What the job produced; baseline = accuracy of tagging "no space" everywhere. */
    record Result(List<Run> runs, double baseline, Path png, int[] pngSize) {
    }

    /** Windows of letters without their spaces, and per character whether a space followed it. */
    private record Data(int[][] x, int[][] y) {
        int size() {
            return x.length;
        }
    }

    @Override
    public Integer call() throws IOException {
        run();
        return 0;
    }

    Result run() throws IOException {
        options.applyThreads();
        int epochs = options.epochs(8);
        int hidden = options.hidden(64);
        int perClass = options.atLeast("--train", flags.trainPerClass, 1);
        window = options.atLeast("--window", flags.window, 2);
        int valPerClass = Math.max(50, perClass / 4);

        Generator g = new Generator(options.seed);
        List<int[]> tx = new ArrayList<>();
        List<int[]> ty = new ArrayList<>();
        List<int[]> vx = new ArrayList<>();
        List<int[]> vy = new ArrayList<>();
        for (Translation t : Translation.values()) {
            List<Gospels.Verse> verses = Gospels.verses(t);
            sample(Gospels.joined(verses, false), perClass, g, tx, ty);
            sample(Gospels.joined(verses, true), valPerClass, g, vx, vy);
        }
        Data train = new Data(tx.toArray(int[][]::new), ty.toArray(int[][]::new));
        Data val = new Data(vx.toArray(int[][]::new), vy.toArray(int[][]::new));
        double baseline = 1 - spaceRate(val);

        out.printf("jrnn examples: segment — put the spaces back: tag each of %d characters with \"a space follows\"%n",
                window);
        out.printf("  example: \"%s\"%n        -> \"%s\"%n", Text.decode(train.x[0], 0, window), spaced(train.x[0],
                train.y[0]));
        out.printf("  data: %,d training and %,d validation windows from the Gospels (KJV, WEB, Reina-Valera 1909;"
                + " every 5th chapter held out)%n", train.size(), val.size());
        out.printf("  baseline: tagging \"no space\" everywhere is %.1f %% accurate%n", 100 * baseline);
        out.printf("  training: %d epochs, Adam lr %s, batch 32, clip 1.0, hidden %d, seed %d%n%n", epochs, flags.lr,
                hidden, options.seed);

        List<Spec> specs = List.of(
                new Spec("SimpleRNN", "nn.RNN(%d, %d)", () -> RNN.simpleRNN(Text.V, hidden)),
                new Spec("BiRNN", "nn.RNN(%d, %d, bidirectional=True)", () -> RNN.biRNN(Text.V, hidden)),
                new Spec("StackedRNN", "nn.RNN(%d, %d, num_layers=2)", () -> RNN.stackedRNN(Text.V, hidden, 2)),
                new Spec("StackedBiRNN", "nn.RNN(%d, %d, num_layers=2, bidirectional=True)",
                        () -> RNN.stackedBiRNN(Text.V, hidden, 2)));
        List<Run> runs = new ArrayList<>();
        boolean live = Progress.isTerminal();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            runs.add(train(s, options.seed + i, epochs, train, val, new Progress(out, live, s.name, epochs)));
        }

        out.println();
        table(runs, hidden, baseline);
        Path png = options.out.resolve("segment.png");
        int[] size = plot(runs, baseline, png);
        out.printf("%nloss and accuracy curves: %s (%d x %d PNG)%n", png.toAbsolutePath().normalize(), size[0], size[1]);
        return new Result(runs, baseline, png, size);
    }

    private record Spec(String name, String torch, Supplier<RNN> rnn) {
    }

    private Run train(Spec spec, long seed, int epochs, Data train, Data val, Progress bar) throws IOException {
        RNN rnn = new RNN(spec.rnn.get().config(), seed);
        int features = rnn.config().numDirections() * rnn.config().hiddenSize();
        Linear head = new Linear(features, 2, seed + 1000);
        List<Parameter> params = new ArrayList<>(rnn.parameters());
        params.addAll(head.parameters());
        Adam adam = new Adam(params, flags.lr);
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        Trainer trainer = new Trainer(rnn, adam, null,
                TrainerConfig.of(epochs, 32).withSeed(seed).withClipGradNorm(1.0));

        List<Double> trainAccs = new ArrayList<>();
        List<Double> valAccs = new ArrayList<>();
        double[] epoch = {0, 0, 0};       // loss sum, correct, tags seen (this epoch)
        double[] last = {0, 0};           // validation loss, accuracy of the last evaluation
        trainer.addListener(new TrainingListener() {
            double rate;
            double eta;

            @Override
            public void onBatchEnd(BatchEnd e) {
                rate = e.examplesPerSecond();
                eta = e.etaSeconds();
                bar.batch(e.epoch(), e.batch(), e.batchesPerEpoch(), String.format("loss %.3f acc %5.1f%%",
                        epoch[0] / epoch[2], 100 * epoch[1] / epoch[2]), rate, eta);
            }

            @Override
            public void onEpochEnd(EpochEnd e) {
                double acc = epoch[1] / epoch[2];
                trainAccs.add(acc);
                valAccs.add(last[1]);
                bar.epoch(e.epoch(), String.format("loss %.3f acc %5.1f%%  val %.3f %5.1f%%", e.trainLoss(),
                        100 * acc, last[0], 100 * last[1]), rate, eta);
                java.util.Arrays.fill(epoch, 0);
            }
        });
        long t0 = System.nanoTime();
        TrainingResult r = trainer.fit(train.size(), idx -> {
            RNNOutput o = rnn.forward(Text.oneHot(train.x, idx, window));
            Tensor logits = head.forward(o.output());                        // (L, N, 2)
            int[] target = tags(train.y, idx);
            Tensor flat = logits.view(window * idx.length, 2);
            LossOutput loss = ce.forward(flat, target);
            o.backward(head.backward(o.output(), loss.backward().view(window, idx.length, 2)), null);
            epoch[0] += loss.item() * target.length;
            epoch[1] += correct(flat, target);
            epoch[2] += target.length;
            return loss.item();
        }, () -> {
            double[] e = evaluate(rnn, head, val);
            last[0] = e[0];
            last[1] = e[1];
            return e[0];
        });
        double seconds = (System.nanoTime() - t0) * 1e-9;
        int n = r.epochs() - 1;
        Run run = new Run(spec.name, String.format(spec.torch, Text.V, rnn.config().hiddenSize()),
                rnn.numParameters() + head.numParameters(), seconds, r.trainLosses().get(n), trainAccs.get(n),
                r.evalLosses().get(n), valAccs.get(n), r.trainLosses(), r.evalLosses(), List.copyOf(trainAccs),
                List.copyOf(valAccs));
        bar.done(String.format("done in %5.1f s   train %.3f / %5.1f%%   val %.3f / %5.1f%%", seconds, run.trainLoss,
                100 * run.trainAcc, run.valLoss, 100 * run.valAcc));
        return run;
    }

    /** {@return {mean loss per tag, tag accuracy}} over a data set, batches of 256 (the model is in eval mode) */
    private double[] evaluate(RNN rnn, Linear head, Data d) {
        CrossEntropyLoss ce = CrossEntropyLoss.of();
        double loss = 0;
        double right = 0;
        for (int from = 0; from < d.size(); from += 256) {
            int[] idx = new int[Math.min(256, d.size() - from)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            Tensor logits = head.forward(rnn.forward(Text.oneHot(d.x, idx, window)).output())
                    .view(window * idx.length, 2);
            int[] target = tags(d.y, idx);
            loss += ce.forward(logits, target).item() * target.length;
            right += correct(logits, target);
        }
        return new double[] {loss / ((double) d.size() * window), right / ((double) d.size() * window)};
    }

    /** Samples windows of {@code window} non-space characters and their "space follows" tags. */
    private void sample(String text, int count, Generator g, List<int[]> xs, List<int[]> ys) {
        int[] letters = new int[text.length()];
        int[] spaceAfter = new int[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (n > 0) {
                    spaceAfter[n - 1] = 1;
                }
            } else {
                letters[n++] = Text.code(c);
            }
        }
        for (int i = 0; i < count; i++) {
            int start = g.nextInt(n - window);
            xs.add(java.util.Arrays.copyOfRange(letters, start, start + window));
            ys.add(java.util.Arrays.copyOfRange(spaceAfter, start, start + window));
        }
    }

    /** {@return the tags of a batch, time-major: {@code [t·N + n] = y[idx[n]][t]}} */
    private int[] tags(int[][] y, int[] idx) {
        int n = idx.length;
        int[] t = new int[window * n];
        for (int s = 0; s < window; s++) {
            for (int b = 0; b < n; b++) {
                t[s * n + b] = y[idx[b]][s];
            }
        }
        return t;
    }

    private double spaceRate(Data d) {
        double spaces = 0;
        for (int[] y : d.y) {
            for (int v : y) {
                spaces += v;
            }
        }
        return spaces / ((double) d.size() * window);
    }

    private String spaced(int[] x, int[] y) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            b.append(Text.ALPHABET.charAt(x[i]));
            if (y[i] == 1) {
                b.append('|');
            }
        }
        return b.toString();
    }

    static int[] pick(int[] values, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = values[idx[i]];
        }
        return out;
    }

    /** {@return how many rows of {@code (N, C)} logits have their maximum at the target} */
    static int correct(Tensor logits, int[] target) {
        float[] l = logits.contiguous().toArray();
        int c = logits.size(1);
        int right = 0;
        for (int n = 0; n < target.length; n++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (l[n * c + k] > l[n * c + best]) {
                    best = k;
                }
            }
            right += best == target[n] ? 1 : 0;
        }
        return right;
    }

    private void table(List<Run> runs, int hidden, double baseline) {
        out.printf("%-13s %-48s %10s %10s %17s %17s%n", "model", "PyTorch equivalent", "parameters", "train time",
                "train loss / acc", "val loss / acc");
        for (Run r : runs) {
            out.printf("%-13s %-48s %,10d %9.1fs %8.3f / %5.1f%% %8.3f / %5.1f%%%n", r.name, r.torch, r.parameters,
                    r.seconds, r.trainLoss, 100 * r.trainAcc, r.valLoss, 100 * r.valAcc);
        }
        out.printf("(each with a Linear(D·%d, 2) head at every step; accuracy per character, \"no space\" everywhere"
                + " = %.1f %%; train = mean over the last epoch)%n", hidden, 100 * baseline);
    }

    private static int[] plot(List<Run> runs, double baseline, Path png) throws IOException {
        XYChart loss = Charts.chart(540, HEIGHT, "Loss per character (solid: train, dashed: validation)", "epoch",
                "cross-entropy");
        loss.getStyler().setLegendVisible(false);
        XYChart acc = Charts.chart(WIDTH - 540, HEIGHT, String.format("Accuracy per character (\"no space\" everywhere:"
                + " %.1f %%)", 100 * baseline), "epoch", "accuracy %");
        acc.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            Charts.addCurves(loss, new Charts.Curve(r.name, r.trainLosses, r.valLosses), i, 1);
            Charts.addCurves(acc, new Charts.Curve(r.name, r.trainAccs, r.valAccs), i, 100);
        }
        return Charts.writeRow(png, loss, acc);
    }
}
