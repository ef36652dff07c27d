"""Schema evolution: change an already generated service without clobbering custom code."""
