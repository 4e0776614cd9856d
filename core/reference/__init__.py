"""The reference's arithmetic, bit for bit: V8's exp, log, cos and pow (fdlibm), and its
mulberry32 generator. Everything above computes with these."""
