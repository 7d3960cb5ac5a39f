#!/usr/bin/env perl
# Makes the generated Kotlin Store's AutoCloseable.close() close the store
# (the library's close, renamed `closeStore` in uniffi.toml) instead of
# freeing the handle, so that using a closed store throws
# StoreException.Closed like every other error, not IllegalStateException
# from the generated code. The handle is freed by UniFFI's cleaner.
# Fails loudly if a UniFFI upgrade changes the generated method.
use strict;
use warnings;

my $path = shift @ARGV or die "usage: kotlin-store-close.pl storyloom.kt\n";
open(my $in, '<', $path) or die "$path: $!\n";
my $text = do { local $/; <$in> };
close $in;

my $generated = "    \@Synchronized\n    override fun close() {\n        this.destroy()\n    }\n";
my $patched = "    /**\n"
    . "     * Closes the store: later calls throw [StoreException.Closed]. Closing\n"
    . "     * twice is harmless; the handle itself is freed by the cleaner.\n"
    . "     */\n"
    . "    \@Synchronized\n    override fun close() {\n        this.closeStore()\n    }\n";

my $class = index($text, "\nopen class Store: ");
die "kotlin-store-close.pl: no Store class in $path\n" if $class < 0;
my $at = index($text, $generated, $class);
my $next_class = index($text, "\nopen class ", $class + 1);
die "kotlin-store-close.pl: the generated Store.close() was not found; update this script for the UniFFI version in use\n"
    if $at < 0 || ($next_class >= 0 && $at > $next_class);
substr($text, $at, length($generated)) = $patched;

open(my $out, '>', $path) or die "$path: $!\n";
print $out $text;
close $out;
