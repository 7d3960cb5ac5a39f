// Change notifications as a Kotlin Flow: hand-written beside the generated
// bindings (storyloom.kt), on top of Store.addListener.
package org.storyloom

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * Every change to the store — local writes, merges from sync and bundles,
 * erasures, other processes' writes — from the moment the flow is collected
 * until its collector is cancelled, which unsubscribes.
 *
 * Changes are told on the thread that made them and buffered without limit
 * (each is a few ids), so no change is lost however slowly the collector
 * runs; collect on the dispatcher you want (for example `Dispatchers.Main`).
 *
 * ```
 * lifecycleScope.launch {
 *     store.changes().filter { storyId in it.stories }.collect { refresh() }
 * }
 * ```
 */
fun Store.changes(): Flow<StoreChange> = callbackFlow {
    val subscription = addListener(object : StoreListener {
        override fun onChange(change: StoreChange) {
            trySend(change)
        }
    })
    awaitClose { subscription.close() }
}.buffer(Channel.UNLIMITED)
