"""Where Blocks' optional extras lived: ``blocks.extras`` was a separate
package (blocks-extras). Its live plotting is part of Blocks now; the old
import path :mod:`blocks.extras.extensions.plot` still works, so that
scripts written for it run unchanged."""
