package io.k8sensus.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * A route step that holds its exchange in flight until the test lets it go: in-flight work without sleeping.
 */
public final class BlockingStep implements Processor {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void process(Exchange exchange) throws Exception {
        entered.countDown();
        if (!release.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never released the blocking step");
        }
    }

    public boolean hasEntered() {
        return entered.getCount() == 0;
    }

    public void letGo() {
        release.countDown();
    }
}
