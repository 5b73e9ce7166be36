"""How lower-te-to-loop applies a schedule: stages and axes, bound inference, loop nest generation, tensorize."""
