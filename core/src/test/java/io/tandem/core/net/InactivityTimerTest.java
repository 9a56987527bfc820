package io.tandem.core.net;

import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InactivityTimerTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void timersOfOneGroupFireEachAtItsOwnDeadlineEarliestFirst() throws Exception {
        List<String> fired = new CopyOnWriteArrayList<>();
        CountDownLatch both = new CountDownLatch(2);
        long[] startedAt = new long[1];
        long[] lateFiredAfter = new long[1];
        loop.execute(() -> {
            InactivityTimer.Group group = new InactivityTimer.Group(loop, 3);
            InactivityTimer late = group.timer(() -> {
                lateFiredAfter[0] = System.nanoTime() - startedAt[0];
                fired.add("late");
                both.countDown();
            });
            InactivityTimer early = group.timer(() -> {
                fired.add("early");
                both.countDown();
            });
            InactivityTimer cancelled = group.timer(() -> fired.add("cancelled"));
            startedAt[0] = System.nanoTime();
            late.start(400);
            early.start(50);
            cancelled.start(10);
            cancelled.cancel();
        });
        assertTrue(both.await(10, TimeUnit.SECONDS), "fired: " + fired);
        assertEquals(List.of("early", "late"), fired);
        assertTrue(lateFiredAfter[0] >= TimeUnit.MILLISECONDS.toNanos(400), "late timer fired early");
    }

    @Test
    void aTouchedTimerWaitsItsFullTimeoutFromTheLastTouch() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        long[] touchedAt = new long[1];
        long[] firedAt = new long[1];
        loop.execute(() -> {
            InactivityTimer timer = new InactivityTimer.Group(loop, 1).timer(() -> {
                firedAt[0] = System.nanoTime();
                fired.countDown();
            });
            timer.start(200);
            loop.schedule(() -> {
                timer.touch();
                touchedAt[0] = System.nanoTime();
            }, 150, TimeUnit.MILLISECONDS);
        });
        assertTrue(fired.await(10, TimeUnit.SECONDS));
        assertTrue(firedAt[0] - touchedAt[0] >= TimeUnit.MILLISECONDS.toNanos(200), "fired before 200 ms since touch");
    }

    @Test
    void stoppingEveryTimerOfAGroupDropsItsScheduledTask() throws Exception {
        CountDownLatch checked = new CountDownLatch(1);
        int[] queued = new int[2];
        loop.execute(() -> {
            InactivityTimer.Group group = new InactivityTimer.Group(loop, 2);
            InactivityTimer a = group.timer(() -> { });
            InactivityTimer b = group.timer(() -> { });
            a.start(60_000);
            b.start(30_000);
            queued[0] = scheduledTasks();
            a.stop();
            b.stop();
            queued[1] = scheduledTasks();
            checked.countDown();
        });
        assertTrue(checked.await(10, TimeUnit.SECONDS));
        assertEquals(1, queued[0], "two started timers of one group share one task");
        assertEquals(0, queued[1], "a stopped group leaves no task behind");
    }

    /** Tasks still waiting in the loop's scheduler, not cancelled (Netty has no public count of them). */
    private int scheduledTasks() {
        try {
            java.lang.reflect.Field field = io.netty.util.concurrent.AbstractScheduledEventExecutor.class
                    .getDeclaredField("scheduledTaskQueue");
            field.setAccessible(true);
            java.util.Collection<?> queue = (java.util.Collection<?>) field.get(loop);
            return queue == null ? 0 : (int) queue.stream()
                    .filter(t -> !((java.util.concurrent.Future<?>) t).isCancelled()).count();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
