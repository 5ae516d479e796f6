package dev.jrnn.examples;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts (XChart), written headless. */
final class Charts {

    /** Line colours, one per model, colour-blind safe (Okabe–Ito). */
    static final Color[] COLORS = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
            new Color(0xE69F00), new Color(0x56B4E9)};

    private Charts() {
    }

    /** One run's history for the curve charts. */
    record Curve(String name, List<Double> train, List<Double> validation) {
    }

    /** {@return an empty line chart with the app's style} */
    static XYChart chart(int width, int height, String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setAntiAlias(true);
        c.getStyler().setPlotGridLinesColor(new Color(0xE0E0E0));
        return c;
    }

    /**
     * Adds one model's train (solid) and validation (dashed) curves, epoch 1 first; the legend names the model
     * once, by its colour.
     */
    static void addCurves(XYChart c, Curve curve, int colour, double scale) {
        addLine(c, curve.name(), curve.train(), scale, COLORS[colour % COLORS.length], SeriesLines.SOLID);
        addLine(c, curve.name() + " (validation)", curve.validation(), scale, COLORS[colour % COLORS.length],
                SeriesLines.DASH_DASH).setShowInLegend(false);
    }

    private static XYSeries addLine(XYChart c, String name, List<Double> ys, double scale, Color colour,
                                    java.awt.BasicStroke stroke) {
        double[] x = new double[ys.size()];
        double[] y = new double[ys.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
            y[i] = ys.get(i) * scale;
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setLineColor(colour);
        s.setLineStyle(stroke);
        s.setMarker(SeriesMarkers.NONE);
        return s;
    }

    /** Writes charts side by side into one PNG; returns the image size {@code {width, height}}. */
    static int[] writeRow(Path png, XYChart... charts) throws IOException {
        int w = 0;
        int h = 0;
        for (XYChart c : charts) {
            w += c.getWidth();
            h = Math.max(h, c.getHeight());
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int x = 0;
        for (XYChart c : charts) {
            g.drawImage(BitmapEncoder.getBufferedImage(c), x, 0, null);
            x += c.getWidth();
        }
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
        return new int[] {w, h};
    }
}
