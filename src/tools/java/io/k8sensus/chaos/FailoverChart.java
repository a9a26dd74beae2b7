package io.k8sensus.chaos;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** The benchmark's failover.png: every takeover sample as a dot. */
final class FailoverChart {

    private FailoverChart() {}

    /**
     * Each takeover sample as a dot, per figure (rows), timings and contender (lanes, colours); "none" at the right
     * edge.
     */
    static void write(List<Sample> samples, Path png) throws IOException {
        List<String> figures = List.of("graceful-handover", "crash-failover-pod-deleted", "crash-failover-pod-ready");
        Map<String, Color> colours = Map.of(
                "k8sensus", new Color(0x1f77b4), "stock-camel", new Color(0xd62728), "client-go", new Color(0x2ca02c));
        List<Sample> points =
                samples.stream().filter(s -> figures.contains(s.figure())).toList();
        double max = points.stream()
                        .mapToDouble(Sample::value)
                        .filter(v -> !Double.isNaN(v))
                        .max()
                        .orElse(1)
                * 1.1;
        List<String> timings = points.stream()
                .map(Sample::timings)
                .distinct()
                .sorted(Comparator.reverseOrder())
                .toList();
        int width = 1060;
        int left = 330;
        List<String[]> lanes = new ArrayList<>();
        timings.forEach(t -> Arrays.stream(Contender.values()).forEach(c -> lanes.add(new String[] {t, c.label})));
        int rowHeight = 30 + 20 * Math.max(1, lanes.size());
        int height = 60 + rowHeight * figures.size() + 40;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("Time from the fault to the new leader's first action (ms); x = no takeover", 10, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int plotWidth = width - left - 60;
        for (int i = 0; i < figures.size(); i++) {
            int y0 = 50 + i * rowHeight;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString(figures.get(i), 10, y0 + 4);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.LIGHT_GRAY);
            g.drawLine(left, y0 + rowHeight - 5, left + plotWidth, y0 + rowHeight - 5);
            int lane = 0;
            for (String[] timingAndContender : lanes) {
                String timing = timingAndContender[0];
                String contender = timingAndContender[1];
                int y = y0 + 22 + lane++ * 20;
                g.setColor(colours.get(contender));
                g.drawString(Contender.titleOf(contender) + " (" + timing + ")", 20, y + 4);
                for (Sample s : points) {
                    if (s.figure().equals(figures.get(i))
                            && s.contender().equals(contender)
                            && s.timings().equals(timing)) {
                        if (Double.isNaN(s.value())) {
                            int x = left + plotWidth + 25;
                            g.setStroke(new BasicStroke(2));
                            g.drawLine(x - 4, y - 4, x + 4, y + 4);
                            g.drawLine(x - 4, y + 4, x + 4, y - 4);
                        } else {
                            int x = left + (int) (s.value() / max * plotWidth);
                            g.fillOval(x - 4, y - 4, 8, 8);
                        }
                    }
                }
            }
        }
        g.setColor(Color.BLACK);
        int axisY = 50 + rowHeight * figures.size() + 10;
        for (int k = 0; k <= 5; k++) {
            int x = left + k * plotWidth / 5;
            g.drawString(String.format("%.0f", max * k / 5), x - 10, axisY + 15);
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }
}
