package org.storyloom

import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class ConcurrencyTest {
    @Test
    fun `eight threads write, read and search at once without error or deadlock`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        val store = phone.store
        val amira = phone.storyteller("Amira")
        val shared = phone.story("Shared", amira, "")
        val threads = 8
        val rounds = 25
        val pool = Executors.newFixedThreadPool(threads)
        val start = CountDownLatch(1)
        val errors = AtomicInteger()
        val created = AtomicInteger()
        repeat(threads) { t ->
            pool.submit {
                start.await()
                try {
                    repeat(rounds) { i ->
                        when ((t + i) % 4) {
                            0 -> {
                                phone.story("Story $t-$i", amira, "words from thread $t round $i")
                                created.incrementAndGet()
                            }
                            1 -> store.spliceTranscript(shared, 0, 0, "t$t ")
                            2 -> store.listStories(StoryQuery(project = phone.project, limit = 20))
                            else -> runBlocking { store.search("thread", phone.project, 5) }
                        }
                    }
                } catch (e: Throwable) {
                    e.printStackTrace()
                    errors.incrementAndGet()
                }
            }
        }
        start.countDown()
        pool.shutdown()
        assertTrue("no deadlock: all threads finished", pool.awaitTermination(120, TimeUnit.SECONDS))
        assertEquals(0, errors.get())
        val listed = store.listStories(StoryQuery(project = phone.project, limit = 500)).stories
        assertEquals(created.get() + 1, listed.size)
        val splices = (0 until threads).sumOf { t -> (0 until rounds).count { i -> (t + i) % 4 == 1 } }
        assertEquals(splices, Regex("t\\d ").findAll(store.story(shared).transcript).count())
        store.close()
    }
}
