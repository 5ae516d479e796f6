package dev.jrnn.examples;

import dev.jrnn.loss.LossOutput;
import dev.jrnn.loss.MSELoss;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.LSTMOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.Readout;
import dev.jrnn.optim.Adam;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.train.Trainer;
import dev.jrnn.train.TrainerConfig;
import dev.jrnn.train.TrainingListener;
import dev.jrnn.train.TrainingResult;
import java.awt.Color;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Time-series forecasting: an LSTM reads the previous 20 years of the yearly sunspot number and forecasts
 * the next year. The last 40 years (1969–2008) are held out; the forecast on them is one step ahead
 * from the actual previous years, compared with the naive forecast "same as last year".
 */
@Command(name = "forecast", usageHelpWidth = 110, header = "An LSTM forecasting the yearly sunspot number, with a PNG of forecast vs actual.",
        descriptionHeading = "%n", sortOptions = false, description = {
    "Time-series forecasting on a real series: yearly sunspot numbers 1700-2008 (NOAA, public domain).",
    "nn.LSTM(1, H) + Linear(H, 1) reads 20 years and forecasts the next; 1969-2008 are held out. Prints the",
    "held-out RMSE against the naive forecast (same as last year) and writes DIR/forecast.png (1000 x 450):",
    "actual vs forecast. Defaults: --epochs 40, --hidden 16, Adam lr 0.01, batch 16, clip 1.", ""})
final class Forecast implements Callable<Integer> {

    static final int LOOKBACK = 20;
    static final int TEST_YEARS = 40;
    static final int WIDTH = 1000;
    static final int HEIGHT = 450;

    @Mixin
    Options options = new Options();

    @Option(names = "--series", paramLabel = "CSV", description = "A CSV of year,value rows (a header line is skipped)"
            + " instead of the bundled sunspots.")
    Path series;

    PrintStream out = System.out;

    /** What the job produced: RMSEs on the held-out years (original units). */
    record Result(double rmse, double naiveRmse, Path png, int[] pngSize) {
    }

    @Override
    public Integer call() throws IOException {
        run();
        return 0;
    }

    Result run() throws IOException {
        options.applyThreads();
        int epochs = options.epochs(40);
        int hidden = options.hidden(16);
        double[][] yv = series == null ? read(Forecast.class.getResourceAsStream("/data/sunspots.csv"), "sunspots.csv")
                : read(java.nio.file.Files.newInputStream(series), series.toString());
        double[] years = yv[0];
        double[] y = yv[1];
        int n = y.length;
        if (n < LOOKBACK + TEST_YEARS + 10) {
            throw new IllegalArgumentException("the series needs at least " + (LOOKBACK + TEST_YEARS + 10)
                    + " values, got " + n);
        }
        int firstTest = n - TEST_YEARS;              // index of the first held-out target
        double mean = 0;
        for (int i = 0; i < firstTest; i++) {
            mean += y[i];
        }
        mean /= firstTest;
        double var = 0;
        for (int i = 0; i < firstTest; i++) {
            var += (y[i] - mean) * (y[i] - mean);
        }
        double std = Math.sqrt(var / firstTest);
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = (float) ((y[i] - mean) / std);
        }
        int numTrain = firstTest - LOOKBACK;          // targets LOOKBACK .. firstTest-1

        LSTM lstm = new LSTM(RNNConfig.lstm(1, hidden), options.seed);
        Linear head = new Linear(hidden, 1, options.seed + 1);
        Readout readout = Readout.finalStates(lstm.config());
        List<Parameter> params = new ArrayList<>(lstm.parameters());
        params.addAll(head.parameters());
        Adam adam = new Adam(params, 1e-2);
        MSELoss mse = MSELoss.of();

        out.printf("jrnn examples: forecast — yearly sunspot numbers %.0f-%.0f, the next year from the previous %d%n",
                years[0], years[n - 1], LOOKBACK);
        out.printf("  nn.LSTM(1, %d) + Linear(%d, 1): %,d parameters; %d training windows (targets %.0f-%.0f), held out"
                + " %.0f-%.0f%n%n", hidden, hidden, lstm.numParameters() + head.numParameters(), numTrain,
                years[LOOKBACK], years[firstTest - 1], years[firstTest], years[n - 1]);
        Trainer trainer = new Trainer(lstm, adam, null, TrainerConfig.of(epochs, 16).withSeed(options.seed)
                .withClipGradNorm(1.0));
        Progress bar = new Progress(out, Progress.isTerminal(), "LSTM", epochs);
        double[] val = {0};
        trainer.addListener(new TrainingListener() {
            double rate;
            double eta;

            @Override
            public void onBatchEnd(BatchEnd e) {
                rate = e.examplesPerSecond();
                eta = e.etaSeconds();
            }

            @Override
            public void onEpochEnd(EpochEnd e) {
                if (Progress.isTerminal() || e.epoch() % 10 == 0 || e.epoch() == epochs) {
                    bar.epoch(e.epoch(), String.format("train MSE %.4f  held-out RMSE %6.2f", e.trainLoss(),
                            Math.sqrt(val[0]) * std), rate, eta);
                }
            }
        });
        int[] testTargets = range(firstTest, n);
        TrainingResult r = trainer.fit(numTrain, idx -> {
            int[] targets = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                targets[i] = idx[i] + LOOKBACK;
            }
            LSTMOutput o = lstm.forward(windows(z, targets));
            Tensor f = readout.features(o.output(), o.hN());
            LossOutput loss = mse.forward(head.forward(f), column(z, targets));
            Tensor[] g = readout.gradients(head.backward(f, loss.backward()), o.output(), o.hN());
            o.backward(g[0], g[1], null);
            return loss.item();
        }, () -> {
            float[] p = predict(lstm, head, readout, z, testTargets);
            double s = 0;
            for (int i = 0; i < p.length; i++) {
                s += (p[i] - z[testTargets[i]]) * (p[i] - z[testTargets[i]]);
            }
            val[0] = s / p.length;
            return val[0];
        });
        lstm.eval();
        int[] all = range(LOOKBACK, n);
        float[] pz = predict(lstm, head, readout, z, all);
        double[] forecast = new double[pz.length];
        for (int i = 0; i < pz.length; i++) {
            forecast[i] = Math.max(0, pz[i] * std + mean);   // a sunspot number is never negative
        }
        double se = 0;
        double seNaive = 0;
        for (int t = firstTest; t < n; t++) {
            double e = forecast[t - LOOKBACK] - y[t];
            double en = y[t - 1] - y[t];
            se += e * e;
            seNaive += en * en;
        }
        double rmse = Math.sqrt(se / TEST_YEARS);
        double naive = Math.sqrt(seNaive / TEST_YEARS);
        bar.done(String.format("done in %d epochs", r.epochs()));
        out.printf("%nheld-out years %.0f-%.0f, one step ahead:%n", years[firstTest], years[n - 1]);
        out.printf("  %-36s RMSE %6.2f%n", "LSTM", rmse);
        out.printf("  %-36s RMSE %6.2f%n", "naive (same as last year)", naive);
        out.printf("  (the series' standard deviation on the training years: %.2f)%n", std);
        Path png = options.out.resolve("forecast.png");
        int[] size = plot(png, years, y, forecast, firstTest, rmse, naive);
        out.printf("%nforecast vs actual: %s (%d x %d PNG)%n", png.toAbsolutePath().normalize(), size[0], size[1]);
        return new Result(rmse, naive, png, size);
    }

    /** {@return the LOOKBACK values before each target, {@code (LOOKBACK, N, 1)}} */
    private static Tensor windows(float[] z, int[] targets) {
        int n = targets.length;
        float[] x = new float[LOOKBACK * n];
        for (int b = 0; b < n; b++) {
            for (int t = 0; t < LOOKBACK; t++) {
                x[t * n + b] = z[targets[b] - LOOKBACK + t];
            }
        }
        return Tensor.of(x, LOOKBACK, n, 1);
    }

    private static Tensor column(float[] z, int[] targets) {
        float[] v = new float[targets.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = z[targets[i]];
        }
        return Tensor.of(v, v.length, 1);
    }

    private static float[] predict(LSTM lstm, Linear head, Readout readout, float[] z, int[] targets) {
        LSTMOutput o = lstm.forward(windows(z, targets));
        return head.forward(readout.features(o.output(), o.hN())).toArray();
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** {@return {years, values}} from year,value CSV rows; a first line that is not numeric is a header */
    static double[][] read(InputStream in, String name) throws IOException {
        if (in == null) {
            throw new IOException("bundled series " + name + " is missing from the class path");
        }
        List<double[]> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] f = line.split(",");
                try {
                    if (f.length != 2) {
                        throw new NumberFormatException();
                    }
                    rows.add(new double[] {Double.parseDouble(f[0].replace("\"", "")),
                            Double.parseDouble(f[1].replace("\"", ""))});
                } catch (NumberFormatException e) {
                    if (lineNo > 1) {
                        throw new IOException(name + " line " + lineNo + ": expected year,value, got '" + line + "'");
                    }
                }
            }
        }
        double[][] out = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            out[0][i] = rows.get(i)[0];
            out[1][i] = rows.get(i)[1];
        }
        return out;
    }

    private static int[] plot(Path png, double[] years, double[] y, double[] forecast, int firstTest, double rmse,
                              double naive) throws IOException {
        XYChart c = Charts.chart(WIDTH, HEIGHT, String.format("Yearly sunspot number: LSTM one-year-ahead forecast"
                + " (held out %.0f-%.0f: RMSE %.1f, naive %.1f)", years[firstTest], years[years.length - 1], rmse, naive),
                "year", "sunspot number");
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setMarkerSize(5);
        XYSeries a = c.addSeries("actual", years, y);
        a.setLineColor(Color.BLACK);
        a.setMarker(SeriesMarkers.NONE);
        a.setLineStyle(SeriesLines.SOLID);
        int split = firstTest - LOOKBACK;
        XYSeries f1 = c.addSeries("forecast, training years", java.util.Arrays.copyOfRange(years, LOOKBACK, firstTest),
                java.util.Arrays.copyOfRange(forecast, 0, split));
        f1.setLineColor(Charts.COLORS[5]);
        f1.setMarker(SeriesMarkers.NONE);
        f1.setLineStyle(SeriesLines.DASH_DASH);
        XYSeries f2 = c.addSeries("forecast, held-out years", java.util.Arrays.copyOfRange(years, firstTest,
                years.length), java.util.Arrays.copyOfRange(forecast, split, forecast.length));
        f2.setLineColor(Charts.COLORS[1]);
        f2.setMarker(SeriesMarkers.CIRCLE);
        f2.setMarkerColor(Charts.COLORS[1]);
        f2.setLineStyle(SeriesLines.SOLID);
        return Charts.writeRow(png, c);
    }
}
