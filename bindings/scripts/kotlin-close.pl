#!/usr/bin/env perl
# Gives two generated Kotlin classes the close() an app expects, instead of
# UniFFI's, which only frees the handle:
#   Store.close()         closes the store (the library's close, renamed
#                         `closeStore` in uniffi.toml): later calls throw
#                         StoreException.Closed, not IllegalStateException
#                         from the generated code; the cleaner frees the handle.
#   Subscription.close()  stops the listener (cancel()), then frees the handle.
# Fails loudly if a UniFFI upgrade changes the generated method.
use strict;
use warnings;

my $path = shift @ARGV or die "usage: kotlin-close.pl storyloom.kt\n";
open(my $in, '<', $path) or die "$path: $!\n";
my $text = do { local $/; <$in> };
close $in;

my $generated = "    \@Synchronized\n    override fun close() {\n        this.destroy()\n    }\n";
my %patched = (
    "Store" => "    /**\n"
        . "     * Closes the store: later calls throw [StoreException.Closed]. Closing\n"
        . "     * twice is harmless; the handle itself is freed by the cleaner.\n"
        . "     */\n"
        . "    \@Synchronized\n    override fun close() {\n        this.closeStore()\n    }\n",
    "Subscription" => "    /**\n"
        . "     * Stops telling the listener (as [cancel] does) and frees the handle.\n"
        . "     * Closing twice is harmless.\n"
        . "     */\n"
        . "    \@Synchronized\n    override fun close() {\n"
        . "        if (!this.uniffiIsDestroyed) this.cancel()\n        this.destroy()\n    }\n",
);

for my $class (sort keys %patched) {
    my $start = index($text, "\nopen class $class: ");
    die "kotlin-close.pl: no $class class in $path\n" if $start < 0;
    my $at = index($text, $generated, $start);
    my $next_class = index($text, "\nopen class ", $start + 1);
    die "kotlin-close.pl: the generated $class.close() was not found; update this script for the UniFFI version in use\n"
        if $at < 0 || ($next_class >= 0 && $at > $next_class);
    substr($text, $at, length($generated)) = $patched{$class};
}

open(my $out, '>', $path) or die "$path: $!\n";
print $out $text;
close $out;
