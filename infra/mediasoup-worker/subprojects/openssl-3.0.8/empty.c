/* Empty translation unit: mediasoup link_whole()s this library; the real code comes from Debian's shared library. */
