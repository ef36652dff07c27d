# Created once by backend-engineer. This file is yours: it is never overwritten.
